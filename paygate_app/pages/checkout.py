"""Hosted checkout: /checkout?order_id=...[&embedded=true&key=...&parent_origin=...].

Standalone it is a full page with the Paygate header; embedded (inside the SDK's iframe) it is
just the card, and the final result is posted to the merchant page at `parent_origin` only.
"""

import reflex as rx

from paygate_app import routes
from paygate_app.components.checkout_kit import ACCENT, INK, LINE, MUTED
from paygate_app.components.checkout_state import CheckoutPageState as S
from paygate_app.components.checkout_ui import checkout_body, trust_footer


def _brand_header() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.center(
                rx.icon("zap", size=16, color="white"),
                style={"width": "28px", "height": "28px", "border_radius": "8px", "background": ACCENT},
            ),
            rx.text("Paygate", weight="bold", size="4", style={"color": INK, "letter_spacing": "-0.01em"}),
            gap="8px",
            align="center",
        ),
        rx.flex(
            rx.icon("lock", size=14),
            rx.text("Secure checkout", size="2", weight="medium"),
            gap="6px",
            align="center",
            style={"color": "#15803d"},
        ),
        justify="between",
        align="center",
        width="100%",
        style={"max_width": "460px", "margin": "0 auto", "padding": "0 4px 16px"},
    )


def _card(*, embedded: bool) -> rx.Component:
    style = (
        # Fits the SDK's 480x600 iframe (full width on phones); no shadow, no frame.
        {"background": "white", "padding": "20px 20px 12px", "flex": "1 0 auto"}
        if embedded
        else {
            "background": "white",
            "width": "100%",
            "max_width": "460px",
            "margin": "0 auto",
            "padding": "24px",
            "border_radius": "16px",
            "border": f"1px solid {LINE}",
            "box_shadow": "0 10px 30px rgba(15,23,42,.08)",
            "@media (max-width: 480px)": {"padding": "20px 16px"},
        }
    )
    return rx.box(
        checkout_body(),
        custom_attrs={"data-test-id": "checkout-container", "data-embedded": "true" if embedded else "false"},
        style=style,
    )


def checkout_page() -> rx.Component:
    return rx.cond(
        S.embedded,
        rx.box(
            _card(embedded=True),
            rx.box(trust_footer(), style={"padding": "0 0 14px"}),
            style={"background": "white", "min_height": "100vh", "display": "flex", "flex_direction": "column"},
        ),
        rx.box(
            _brand_header(),
            _card(embedded=False),
            rx.box(trust_footer(), style={"padding_top": "16px"}),
            rx.text(
                "Paygate processes this payment on behalf of the store.",
                size="1",
                style={"color": MUTED, "text_align": "center", "margin_top": "6px"},
            ),
            style={
                "min_height": "100vh",
                "background": "linear-gradient(180deg, #eef2ff 0%, #f8fafc 280px)",
                "padding": "32px 16px 40px",
                "@media (max-width: 480px)": {"padding": "16px 12px 32px"},
            },
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(
        checkout_page,
        route=routes.CHECKOUT,
        title="Checkout · Paygate",
        description="Pay securely with UPI or card.",
        on_load=S.load,
    )
