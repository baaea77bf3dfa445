"""Small building blocks: test ids, cards, page headers, empty / loading / error states."""

from __future__ import annotations

from typing import Any

import reflex as rx


def tid(test_id: str | rx.Var, **extra: Any) -> dict[str, Any]:
    """`custom_attrs` for a contract `data-test-id` (plus any other data-* attributes)."""
    return {"data-test-id": test_id, **extra}


def page_header(title: str, subtitle: str = "", *actions: rx.Component) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="6", weight="bold"),
            rx.text(subtitle, size="2", color_scheme="gray") if subtitle else rx.fragment(),
            spacing="1",
        ),
        rx.spacer(),
        rx.hstack(*actions, spacing="2", wrap="wrap") if actions else rx.fragment(),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
        spacing="3",
        width="100%",
        margin_bottom="var(--space-4)",
    )


def section_card(*children: rx.Component, **props: Any) -> rx.Component:
    return rx.card(rx.vstack(*children, spacing="3", width="100%"), width="100%", size="2", **props)


def loading_state(label: str = "Loading…") -> rx.Component:
    return rx.center(
        rx.hstack(rx.spinner(size="3"), rx.text(label, color_scheme="gray", size="2"), spacing="3", align="center"),
        padding_y="3em",
        width="100%",
        custom_attrs=tid("loading-state"),
    )


def empty_state(icon: str, title: str, description: str = "") -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color("gray", 9)),
                padding="var(--space-3)",
                background=rx.color("gray", 3),
                border_radius="full",
            ),
            rx.text(title, weight="medium", size="3"),
            rx.text(description, size="2", color_scheme="gray", text_align="center") if description else rx.fragment(),
            align="center",
            spacing="2",
            max_width="28em",
        ),
        padding_y="3em",
        width="100%",
        custom_attrs=tid("empty-state"),
    )


def error_callout(message: rx.Var, test_id: str = "form-error") -> rx.Component:
    """A red callout shown only when `message` is not empty."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            size="1",
            width="100%",
            custom_attrs=tid(test_id),
        ),
    )


def info_callout(message: rx.Var | str, icon: str = "info", color: str = "blue", **props: Any) -> rx.Component:
    return rx.callout(message, icon=icon, color_scheme=color, size="1", width="100%", **props)


def copy_button(value: rx.Var | str, label: str = "Copy", test_id: str = "copy-button") -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon("copy", size=14),
            size="1",
            variant="soft",
            color_scheme="gray",
            type="button",
            aria_label=label,
            on_click=[
                rx.set_clipboard(value),
                rx.toast.success("Copied to clipboard", duration=1500),
                rx.stop_propagation,
            ],
            custom_attrs=tid(test_id),
        ),
        content=label,
    )


def mono(value: rx.Var | str, **props: Any) -> rx.Component:
    return rx.code(value, variant="ghost", size="2", word_break="break-all", **props)


def auth_form(
    *fields: rx.Component,
    error: rx.Var,
    error_id: str,
    submitting: rx.Var,
    icon: str,
    label: str,
    button_id: str,
    on_submit: rx.EventHandler,
    form_id: str,
) -> rx.Component:
    """The login/register form: fields, an error callout and a submit button that spins."""
    return rx.form(
        rx.vstack(
            *fields,
            error_callout(error, error_id),
            rx.button(
                rx.cond(submitting, rx.spinner(size="2"), rx.icon(icon, size=16)),
                label,
                type="submit",
                size="3",
                width="100%",
                disabled=submitting,
                custom_attrs=tid(button_id),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
        custom_attrs=tid(form_id),
    )
