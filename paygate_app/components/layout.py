"""The dashboard frame: a sidebar on wide screens, a top bar with a menu on phones.

Content renders only once `check_login` has resolved the merchant, so a logged-out visitor
sees a spinner and then /login, never an empty dashboard.
"""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.ui import loading_state, tid
from paygate_app.state import AuthState

NAV = (
    ("Overview", routes.DASHBOARD, "layout-dashboard"),
    ("Transactions", routes.TRANSACTIONS, "arrow-left-right"),
    ("Refunds", routes.REFUNDS, "undo-2"),
    ("Webhooks", routes.WEBHOOKS, "webhook"),
    ("API docs", routes.DOCS, "book-open"),
)
SIDEBAR_WIDTH = "15em"


def brand() -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.icon("zap", size=16, color="white"),
            background=rx.color("accent", 9),
            border_radius="6px",
            width="26px",
            height="26px",
        ),
        rx.text("Paygate", weight="bold", size="4"),
        rx.badge("Test mode", color_scheme="amber", variant="soft", size="1"),
        align="center",
        spacing="2",
    )


def _nav_link(label: str, href: str, icon: str, active: bool) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2", weight="medium"), align="center", spacing="3"),
        href=href,
        underline="none",
        color=rx.color("accent", 11) if active else rx.color("gray", 12),
        background=rx.color("accent", 3) if active else "transparent",
        border_radius="6px",
        padding_x="var(--space-3)",
        padding_y="var(--space-2)",
        width="100%",
        _hover={"background": rx.color("accent", 3) if active else rx.color("gray", 3)},
        aria_current="page" if active else None,
        custom_attrs=tid(f"nav-{label.lower().replace(' ', '-')}"),
    )


def color_mode_toggle() -> rx.Component:
    """Light / dark, remembered by the browser (the OS setting is the default)."""
    return rx.icon_button(
        rx.color_mode_cond(light=rx.icon("moon", size=14), dark=rx.icon("sun", size=14)),
        on_click=rx.toggle_color_mode,
        variant="soft",
        color_scheme="gray",
        size="1",
        aria_label="Toggle dark mode",
        title="Toggle dark mode",
        custom_attrs=tid("color-mode-toggle"),
    )


def _merchant_box() -> rx.Component:
    return rx.vstack(
        rx.text(AuthState.merchant_name, size="2", weight="medium", trim="both", custom_attrs=tid("merchant-name")),
        rx.text(AuthState.merchant_email, size="1", color_scheme="gray", word_break="break-all"),
        rx.hstack(
            rx.button(
                rx.icon("log-out", size=14),
                "Log out",
                variant="soft",
                color_scheme="gray",
                size="1",
                on_click=AuthState.logout,
                custom_attrs=tid("logout-button"),
            ),
            color_mode_toggle(),
            spacing="2",
            align="center",
        ),
        spacing="2",
        align="start",
        width="100%",
    )


def sidebar(current: str) -> rx.Component:
    return rx.flex(
        rx.box(brand(), padding_x="var(--space-3)", padding_bottom="var(--space-4)"),
        rx.vstack(
            *[_nav_link(label, href, icon, href == current) for label, href, icon in NAV], spacing="1", width="100%"
        ),
        rx.spacer(),
        rx.separator(size="4"),
        rx.box(_merchant_box(), padding_x="var(--space-3)", padding_top="var(--space-3)"),
        direction="column",
        position="fixed",
        top="0",
        left="0",
        height="100vh",
        width=SIDEBAR_WIDTH,
        padding="var(--space-4)",
        background=rx.color("gray", 2),
        border_right=f"1px solid {rx.color('gray', 5)}",
        display=rx.breakpoints(initial="none", md="flex"),
        custom_attrs=tid("sidebar"),
    )


def top_bar(current: str) -> rx.Component:
    return rx.flex(
        brand(),
        rx.spacer(),
        rx.box(color_mode_toggle(), margin_right="var(--space-2)"),
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("menu", size=18),
                    variant="soft",
                    color_scheme="gray",
                    aria_label="Menu",
                    custom_attrs=tid("nav-menu-button"),
                ),
            ),
            rx.menu.content(
                *[
                    rx.menu.item(
                        rx.hstack(rx.icon(icon, size=14), label, align="center", spacing="2"),
                        on_click=rx.redirect(href),
                        color=rx.color("accent", 11) if href == current else None,
                    )
                    for label, href, icon in NAV
                ],
                rx.menu.separator(),
                rx.menu.item(
                    rx.hstack(rx.icon("log-out", size=14), "Log out", align="center", spacing="2"),
                    on_click=AuthState.logout,
                    color="red",
                ),
                align="end",
            ),
        ),
        align="center",
        padding_x="var(--space-4)",
        padding_y="var(--space-3)",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        display=rx.breakpoints(initial="flex", md="none"),
        custom_attrs=tid("top-bar"),
    )


def dashboard_layout(*children: rx.Component, current: str) -> rx.Component:
    """Frame for every /dashboard page; `current` is the page's route (highlighted in the nav)."""
    return rx.box(
        sidebar(current),
        top_bar(current),
        rx.box(
            rx.cond(
                AuthState.merchant_id != "",
                rx.vstack(*children, spacing="5", width="100%"),
                loading_state("Checking your session…"),
            ),
            margin_left=rx.breakpoints(initial="0", md=SIDEBAR_WIDTH),
            padding=rx.breakpoints(initial="1em", sm="1.5em", md="2em"),
            max_width=rx.breakpoints(initial="100%", md=f"calc(100% - {SIDEBAR_WIDTH})"),
            min_height="100vh",
        ),
        background=rx.color("gray", 1),
        min_height="100vh",
        width="100%",
    )


def auth_layout(*children: rx.Component) -> rx.Component:
    """Frame for /login and /register: a centred card."""
    return rx.center(
        rx.vstack(
            rx.center(brand(), width="100%"),
            rx.card(rx.vstack(*children, spacing="4", width="100%"), size="3", width="100%"),
            spacing="5",
            width="100%",
            max_width="26em",
        ),
        min_height="100vh",
        padding="1em",
        background=rx.color("gray", 2),
    )
