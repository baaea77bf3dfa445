"""Every unknown page: a styled 404 with the way back (no session needed)."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import auth_layout
from paygate_app.components.ui import tid

LINKS = (
    ("Dashboard", routes.DASHBOARD, "layout-dashboard"),
    ("Transactions", routes.TRANSACTIONS, "credit-card"),
    ("API docs", routes.DOCS, "book-open"),
    ("Sign in", routes.LOGIN, "log-in"),
)


def not_found_page() -> rx.Component:
    return auth_layout(
        rx.vstack(
            rx.hstack(
                rx.icon("map-pin-off", size=22, color=rx.color("accent", 9)),
                rx.heading("Page not found", size="5"),
                align="center",
                spacing="2",
            ),
            rx.text(
                "There is nothing at this address. It may have moved, or the link has a typo.",
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                *[
                    rx.link(
                        rx.hstack(rx.icon(icon, size=14), label, align="center", spacing="2"),
                        href=href,
                        size="2",
                        custom_attrs=tid("not-found-link"),
                    )
                    for label, href, icon in LINKS
                ],
                spacing="2",
            ),
            spacing="3",
            width="100%",
            custom_attrs=tid("not-found"),
        )
    )


def register(app: rx.App) -> None:
    app.add_page(not_found_page, route="404", title="Page not found · Paygate")
