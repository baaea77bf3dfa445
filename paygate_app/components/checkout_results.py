"""Checkout result screens: processing, success, failure, already paid, unavailable."""

from __future__ import annotations

import reflex as rx

from paygate_app.components.checkout_kit import (
    ACCENT,
    DANGER,
    INK,
    LINE,
    MUTED,
    SUCCESS,
    primary_button,
    secondary_button,
    status_icon,
    tid,
)
from paygate_app.components.checkout_state import CheckoutPageState as S


def detail_row(label: str, value, test_id: str | None = None) -> rx.Component:
    return rx.flex(
        rx.text(label, size="2", style={"color": MUTED, "flex_shrink": "0"}),
        rx.text(
            value,
            size="2",
            weight="medium",
            custom_attrs=tid(test_id) if test_id else {},
            style={
                "color": INK,
                "font_family": "ui-monospace, monospace",
                "overflow_wrap": "anywhere",
                "text_align": "right",
            },
        ),
        justify="between",
        gap="12px",
    )


def details_box(*rows: rx.Component) -> rx.Component:
    return rx.flex(
        *rows,
        direction="column",
        gap="8px",
        width="100%",
        style={"background": "#f8fafc", "border": f"1px solid {LINE}", "border_radius": "12px", "padding": "14px"},
    )


def close_button(label: str) -> rx.Component:
    return rx.cond(S.can_post, secondary_button(label, "close-checkout-button", on_click=S.close_checkout))


def return_to_merchant() -> rx.Component:
    """Hosted page with a callback_url: back to the store, carrying payment_id and status."""
    return rx.cond(
        S.return_url != "",
        rx.el.a(
            rx.flex(rx.icon("arrow-left", size=16), rx.text("Return to merchant"), gap="8px", align="center"),
            href=S.return_url,
            custom_attrs=tid("return-to-merchant"),
            style={
                "display": "inline-flex",
                "justify_content": "center",
                "width": "100%",
                "padding": "10px 16px",
                "border_radius": "8px",
                "border": f"1px solid {LINE}",
                "color": INK,
                "font_weight": "600",
                "text_decoration": "none",
                "_hover": {"background": "#f8fafc"},
            },
        ),
    )


def processing_state() -> rx.Component:
    return rx.flex(
        rx.spinner(size="3", style={"width": "44px", "height": "44px", "color": ACCENT}),
        rx.heading("Processing your payment…", size="5", custom_attrs=tid("processing-message"), style={"color": INK}),
        rx.text(
            rx.cond(
                S.slow,
                "This is taking longer than usual. We're still waiting for your bank — please keep this page open.",
                "Confirming with your bank. Please don't close this window or press back.",
            ),
            size="2",
            style={"color": MUTED, "text_align": "center"},
        ),
        details_box(detail_row("Method", S.payment_method_label)),
        direction="column",
        align="center",
        gap="14px",
        role="status",
        custom_attrs={"data-test-id": "processing-state", "aria-live": "polite"},
        style={"padding": "28px 0 8px"},
    )


def success_state() -> rx.Component:
    return rx.flex(
        status_icon("circle-check", SUCCESS, "#dcfce7"),
        rx.heading("Payment successful", size="5", style={"color": INK}),
        rx.text(
            S.amount_text,
            " paid to ",
            S.merchant_name,
            ". Thank you!",
            size="2",
            custom_attrs=tid("success-message"),
            style={"color": MUTED, "text_align": "center"},
        ),
        details_box(
            detail_row("Payment ID", S.payment_id, "payment-id"),
            detail_row("Order ID", S.order_id),
            detail_row("Method", S.payment_method_label),
        ),
        rx.cond(
            S.can_post,
            close_button("Done"),
            rx.cond(
                S.return_url != "",
                return_to_merchant(),
                rx.text("You can close this window now.", size="1", style={"color": MUTED}),
            ),
        ),
        direction="column",
        align="center",
        gap="14px",
        role="status",
        custom_attrs=tid("success-state"),
        style={"padding": "24px 0 8px"},
    )


def error_state() -> rx.Component:
    return rx.flex(
        status_icon("circle-x", DANGER, "#fee2e2"),
        rx.heading("Payment failed", size="5", style={"color": INK}),
        rx.text(
            S.failure_description,
            size="2",
            custom_attrs={"data-test-id": "error-message", "data-error-code": S.failure_code},
            style={"color": DANGER, "text_align": "center", "font_weight": "500"},
        ),
        rx.text(
            "Your order is still open, so you can try again with the same or another method.",
            size="2",
            style={"color": MUTED, "text_align": "center"},
        ),
        details_box(
            detail_row("Payment ID", S.payment_id),
            detail_row("Method", S.payment_method_label),
        ),
        primary_button(
            rx.flex(rx.icon("rotate-ccw", size=16), rx.text("Try again"), gap="8px", align="center"),
            "retry-button",
            on_click=S.retry,
            type="button",
        ),
        close_button("Cancel"),
        return_to_merchant(),
        direction="column",
        align="center",
        gap="14px",
        role="alert",
        custom_attrs=tid("error-state"),
        style={"padding": "24px 0 8px"},
    )


def already_paid() -> rx.Component:
    return rx.flex(
        status_icon("badge-check", SUCCESS, "#dcfce7"),
        rx.heading("This order has already been paid", size="4", style={"color": INK, "text_align": "center"}),
        rx.text(
            "No further payment is needed. If you think this is a mistake, please contact the store.",
            size="2",
            style={"color": MUTED, "text_align": "center"},
        ),
        close_button("Close"),
        direction="column",
        align="center",
        gap="12px",
        custom_attrs=tid("order-already-paid"),
        style={"padding": "24px 0 8px"},
    )


def unavailable() -> rx.Component:
    return rx.flex(
        status_icon("search-x", MUTED, "#f1f5f9"),
        rx.heading(S.unavailable_title, size="4", style={"color": INK, "text_align": "center"}),
        rx.text(
            S.unavailable_message,
            size="2",
            custom_attrs={"data-test-id": "checkout-unavailable-message", "data-error-code": S.problem_code},
            style={"color": MUTED, "text_align": "center", "overflow_wrap": "anywhere"},
        ),
        close_button("Close"),
        direction="column",
        align="center",
        gap="12px",
        role="alert",
        custom_attrs=tid("checkout-unavailable"),
        style={"padding": "32px 0 16px"},
    )


def loading() -> rx.Component:
    return rx.flex(
        rx.spinner(size="3", style={"color": ACCENT}),
        rx.text("Loading secure checkout…", size="2", style={"color": MUTED}),
        direction="column",
        align="center",
        gap="12px",
        custom_attrs=tid("checkout-loading"),
        style={"padding": "48px 0"},
    )
