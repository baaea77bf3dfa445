"""Building blocks of the hosted checkout: summary, method picker, forms and the page body."""

from __future__ import annotations

import reflex as rx

from paygate_app.components.checkout_kit import (
    ACCENT,
    INK,
    INPUT_HINTS_JS,
    LINE,
    MUTED,
    field_label,
    hint,
    inline_error,
    primary_button,
    text_input,
    tid,
)
from paygate_app.components.checkout_results import (
    already_paid,
    error_state,
    loading,
    processing_state,
    success_state,
    unavailable,
)
from paygate_app.components.checkout_state import CheckoutPageState as S


def order_summary() -> rx.Component:
    initial = rx.cond(S.merchant_name != "", S.merchant_name[0].upper(), "•")
    return rx.flex(
        rx.flex(
            rx.center(
                rx.text(initial, weight="bold", style={"color": "white", "font_size": "18px"}),
                style={
                    "width": "44px",
                    "height": "44px",
                    "border_radius": "12px",
                    "background": f"linear-gradient(135deg, {ACCENT}, #7c3aed)",
                    "flex_shrink": "0",
                },
            ),
            rx.box(
                rx.text(
                    S.merchant_name,
                    weight="bold",
                    size="3",
                    custom_attrs=tid("merchant-name"),
                    style={"color": INK, "overflow_wrap": "anywhere"},
                ),
                rx.text(
                    "Order ",
                    rx.el.span(
                        S.order_id, custom_attrs=tid("order-id"), style={"font_family": "ui-monospace, monospace"}
                    ),
                    size="1",
                    style={"color": MUTED, "overflow_wrap": "anywhere"},
                ),
                style={"min_width": "0"},
            ),
            gap="12px",
            align="center",
            style={"min_width": "0"},
        ),
        rx.box(
            rx.text("Amount to pay", size="1", style={"color": MUTED}),
            rx.text(
                S.amount_text,
                weight="bold",
                custom_attrs=tid("order-amount"),
                style={"font_size": "26px", "color": INK, "line_height": "1.2", "white_space": "nowrap"},
            ),
        ),
        direction="column",
        gap="16px",
        custom_attrs=tid("order-summary"),
        style={"padding_bottom": "20px", "border_bottom": f"1px dashed {LINE}"},
    )


# ---- method picker and forms -------------------------------------------------------------------


def method_tile(method: str, icon: str, title: str, subtitle: str) -> rx.Component:
    selected = S.method == method
    return rx.el.button(
        rx.flex(
            rx.icon(icon, size=20, color=rx.cond(selected, ACCENT, MUTED)),
            rx.box(
                rx.text(title, weight="bold", size="2", style={"color": INK}),
                rx.text(subtitle, size="1", style={"color": MUTED}),
                style={"text_align": "left", "min_width": "0"},
            ),
            gap="10px",
            align="center",
        ),
        type="button",
        on_click=S.choose_method(method),
        custom_attrs={"data-test-id": f"method-{method}", "aria-pressed": rx.cond(selected, "true", "false")},
        style={
            "flex": "1 1 0",
            "min_width": "0",
            "padding": "12px",
            "border_radius": "12px",
            "cursor": "pointer",
            "background": rx.cond(selected, "#eef2ff", "white"),
            "border": rx.cond(selected, f"2px solid {ACCENT}", f"1px solid {LINE}"),
            "margin": rx.cond(selected, "0", "1px"),
            "transition": "background .15s",
        },
    )


def payment_methods() -> rx.Component:
    return rx.box(
        rx.text("Choose a payment method", size="2", weight="bold", style={"color": INK, "margin_bottom": "10px"}),
        rx.flex(
            rx.cond(S.upi_allowed, method_tile("upi", "smartphone", "UPI", "Any UPI app")),
            method_tile("card", "credit-card", "Card", "Credit or debit"),
            gap="10px",
        ),
        custom_attrs=tid("payment-methods"),
    )


def pay_button() -> rx.Component:
    return rx.box(
        primary_button(
            rx.flex(rx.icon("lock", size=16), rx.text("Pay ", S.amount_text), gap="8px", align="center"),
            "pay-button",
            type="submit",
        ),
        inline_error(""),
        style={"margin_top": "20px"},
    )


def upi_form() -> rx.Component:
    return rx.form(
        field_label("UPI ID", "vpa"),
        text_input(
            "vpa",
            "vpa-input",
            type="text",
            placeholder="yourname@bank",
            auto_complete="off",
            auto_capitalize="none",
            spell_check=False,
            max_length=255,
            input_mode="email",
        ),
        inline_error("vpa"),
        hint("Enter the UPI ID linked to your bank account, e.g. yourname@okhdfcbank."),
        pay_button(),
        on_submit=S.submit_upi,
        no_validate=True,
        custom_attrs=tid("upi-form"),
        style={"margin_top": "20px"},
    )


def card_form() -> rx.Component:
    return rx.form(
        rx.box(
            rx.flex(
                field_label("Card number", "card_number"),
                rx.el.span(
                    custom_attrs={"data-card-brand": ""},
                    style={"font_size": "12px", "font_weight": "600", "color": ACCENT},
                ),
                justify="between",
            ),
            text_input(
                "card_number",
                "card-number-input",
                type="text",
                placeholder="1234 5678 9012 3456",
                auto_complete="cc-number",
                input_mode="numeric",
                max_length=23,
            ),
            inline_error("card_number"),
        ),
        rx.flex(
            rx.box(
                field_label("Expiry (MM/YY)", "expiry"),
                text_input(
                    "expiry",
                    "expiry-input",
                    type="text",
                    placeholder="MM/YY",
                    auto_complete="cc-exp",
                    input_mode="numeric",
                    max_length=7,
                ),
                inline_error("expiry"),
                style={"flex": "1 1 0", "min_width": "0"},
            ),
            rx.box(
                field_label("CVV", "cvv"),
                text_input(
                    "cvv",
                    "cvv-input",
                    type="password",
                    placeholder="•••",
                    auto_complete="cc-csc",
                    input_mode="numeric",
                    max_length=4,
                ),
                inline_error("cvv"),
                style={"flex": "1 1 0", "min_width": "0"},
            ),
            gap="12px",
            style={"margin_top": "14px"},
        ),
        rx.box(
            field_label("Name on card", "cardholder_name"),
            text_input(
                "cardholder_name",
                "cardholder-name-input",
                type="text",
                placeholder="As printed on the card",
                auto_complete="cc-name",
                max_length=100,
            ),
            inline_error("cardholder_name"),
            style={"margin_top": "14px"},
        ),
        hint("We never store your card number or CVV."),
        pay_button(),
        on_submit=S.submit_card,
        no_validate=True,
        custom_attrs=tid("card-form"),
        style={"margin_top": "20px"},
    )


def cancel_link() -> rx.Component:
    """Embedded only: let the shopper leave without paying (the SDK closes the modal)."""
    return rx.cond(
        S.can_post,
        rx.center(
            rx.el.button(
                "Cancel payment",
                type="button",
                on_click=S.close_checkout,
                custom_attrs=tid("cancel-button"),
                style={
                    "background": "none",
                    "border": "none",
                    "color": MUTED,
                    "font_size": "14px",
                    "cursor": "pointer",
                    "padding": "8px",
                    "_hover": {"color": INK, "text_decoration": "underline"},
                },
            ),
            style={"margin_top": "8px"},
        ),
    )


def payment_form() -> rx.Component:
    return rx.box(
        payment_methods(),
        rx.cond(S.method == "card", card_form(), upi_form()),
        cancel_link(),
        on_mount=rx.call_script(INPUT_HINTS_JS),
    )


# ---- result screens ----------------------------------------------------------------------------


def checkout_body() -> rx.Component:
    with_summary = rx.flex(
        order_summary(),
        rx.match(
            S.phase,
            ("form", payment_form()),
            ("processing", processing_state()),
            ("success", success_state()),
            ("failed", error_state()),
            ("paid", already_paid()),
            rx.fragment(),
        ),
        direction="column",
        gap="20px",
    )
    return rx.match(
        S.phase,
        ("loading", loading()),
        ("unavailable", unavailable()),
        with_summary,
    )


def trust_footer() -> rx.Component:
    return rx.flex(
        rx.flex(rx.icon("shield-check", size=14), rx.text("Secured by Paygate", size="1"), gap="6px", align="center"),
        rx.text("·", size="1"),
        rx.text("Test mode", size="1", custom_attrs=tid("test-mode-badge")),
        gap="8px",
        justify="center",
        align="center",
        style={"color": MUTED},
    )
