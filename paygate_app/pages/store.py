"""Demo store (/store): a merchant site that takes payments with the real SDK (/checkout.js).

Buying creates the order on the server (core create_order for the test merchant, as a merchant
backend would), then opens `new PaymentGateway({...}).open()` in the browser. The SDK's callbacks
come back to this state; a reported success is verified on the server before it is shown.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.utils import format as rx_format

from paygate_app import routes
from paygate_app.components.checkout_kit import ACCENT, ACCENT_DARK, DANGER, INK, LINE, MUTED, SUCCESS
from paygate_app.components.checkout_logic import format_amount
from paygate_app.core import orders, payments
from paygate_app.core.errors import PaygateError, RateLimited
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.ratelimit import limit_ip

log = logging.getLogger("paygate.store")

SDK_SRC = "/checkout.js"


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    blurb: str
    amount: int  # paise
    icon: str
    tint: str


PRODUCTS: tuple[Product, ...] = (
    Product("earbuds", "Wireless Earbuds", "Noise cancelling, 30 h battery", 149_900, "headphones", "#e0e7ff"),
    Product("tshirt", "Organic Cotton Tee", "Soft, breathable, unisex fit", 49_900, "shirt", "#fce7f3"),
    Product("mug", "Ceramic Coffee Mug", "Hand-glazed, 350 ml", 34_900, "coffee", "#fef3c7"),
    Product("wallet", "Leather Wallet", "Full-grain leather, RFID safe", 1_29_900, "wallet", "#dcfce7"),
)
PRODUCTS_BY_ID = {p.id: p for p in PRODUCTS}


class StorePageState(rx.State):
    busy_product: str = ""
    product_name: str = ""
    order_id: str = ""
    amount_text: str = ""
    # "" | open | success | failure | closed | error
    result: str = ""
    result_title: str = ""
    result_message: str = ""
    payment_id: str = ""

    @rx.event
    def load(self) -> None:
        self.reset()

    @rx.event
    async def buy(self, product_id: str):
        product = PRODUCTS_BY_ID.get(product_id)
        if product is None or self.busy_product:
            return
        try:  # each buy creates an order: the same per-IP budget as the public checkout API
            await limit_ip(self.router.session.client_ip or "unknown", "store")
        except RateLimited as exc:
            self._show("error", "Too many requests", f"Please wait a moment before trying again. {exc.description}.")
            return
        self.busy_product = product.id
        yield  # show the spinner on the button while the order is created
        try:
            order = await orders.create_order(
                merchant_id=TEST_MERCHANT["id"],
                amount=product.amount,
                receipt=f"store_{product.id}",
                notes={"product": product.name, "source": "demo-store"},
            )
        except PaygateError as exc:
            log.warning("store: order create failed: %s", exc.code)
            self._show("error", "Couldn't start checkout", "We couldn't create your order. Please try again.")
            self.busy_product = ""
            return
        self.busy_product = ""
        self.order_id = order["id"]
        self.product_name = product.name
        self.amount_text = format_amount(product.amount)
        self.payment_id = ""
        self._show("open", "Checkout open", f"Complete the payment for {product.name} in the secure window.")
        yield rx.call_script(open_checkout_script(order["id"]))

    @rx.event
    async def sdk_event(self, payload: dict[str, Any]) -> None:
        """What the SDK's onSuccess / onFailure / onClose reported for the current order."""
        if not isinstance(payload, dict) or not self.order_id or payload.get("orderId") != self.order_id:
            return
        kind = payload.get("type")
        if kind == "success":
            await self._verified_success(str(payload.get("paymentId") or ""))
        elif kind == "failure":
            self.payment_id = str(payload.get("paymentId") or "")
            description = str(payload.get("description") or "The payment was declined.")[:200]
            self._show("failure", "Payment failed", f"{description} You can try again in the checkout window.")
        elif kind == "close":
            if self.result == "open":
                self._show("closed", "Checkout closed", "No payment was made. Your order is saved; buy again any time.")
        elif kind == "error":
            self._show("error", "Couldn't open checkout", "The payment window failed to load. Please try again.")

    async def _verified_success(self, payment_id: str) -> None:
        """Trust the server, not the browser: the payment must exist, be ours and have succeeded."""
        try:
            row = await payments.get_payment(payment_id, merchant_id=TEST_MERCHANT["id"])
        except PaygateError:
            row = None
        if row is None or row["order_id"] != self.order_id or row["status"] != payments.PaymentStatus.SUCCESS:
            self._show("error", "Payment not confirmed", "We couldn't confirm this payment. Please contact support.")
            return
        self.payment_id = row["id"]
        self._show(
            "success", "Payment successful", f"Thanks! Your {self.product_name} ({self.amount_text}) is on its way."
        )

    def _show(self, result: str, title: str, message: str) -> None:
        self.result = result
        self.result_title = title
        self.result_message = message


def open_checkout_script(order_id: str) -> str:
    """Open the SDK modal exactly as a third-party page would; callbacks report to sdk_event."""
    # format_queue_events gives the same callable Reflex uses for call_script callbacks: it
    # dispatches to the backend handler and may be called any number of times.
    # str(): the plain JS expression, so call_script ships a plain string (no Var interpolation).
    report = str(rx_format.format_queue_events(StorePageState.sdk_event, args_spec=lambda payload: [payload]))
    options = json.dumps({"key": TEST_MERCHANT["api_key"], "orderId": order_id})
    src = json.dumps(SDK_SRC)
    return f"""(() => {{
  const report = {report};
  const options = {options};
  const orderId = options.orderId;
  const open = () => {{
    try {{
      new window.PaymentGateway(Object.assign(options, {{
        onSuccess: (r) => report({{type: "success", orderId, paymentId: r && r.paymentId, status: r && r.status}}),
        onFailure: (e) => report({{type: "failure", orderId, paymentId: e && e.paymentId,
                                   code: e && e.code, description: e && e.description}}),
        onClose: () => report({{type: "close", orderId}}),
      }})).open();
    }} catch (err) {{
      report({{type: "error", orderId, description: String((err && err.message) || err)}});
    }}
  }};
  if (window.PaymentGateway) {{ open(); return; }}
  const tag = document.createElement("script");
  tag.src = {src};
  tag.async = true;
  tag.onload = open;
  tag.onerror = () => report({{type: "error", orderId, description: "checkout.js failed to load"}});
  document.head.appendChild(tag);
}})()"""


# ---- page -----------------------------------------------------------------------------------


def _header() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.center(
                rx.icon("shopping-bag", size=18, color="white"),
                style={"width": "34px", "height": "34px", "border_radius": "10px", "background": INK},
            ),
            rx.box(
                rx.text("Kirana Lane", weight="bold", size="4", style={"color": INK, "line_height": "1.1"}),
                rx.text("Demo store", size="1", style={"color": MUTED}),
            ),
            gap="10px",
            align="center",
        ),
        rx.flex(
            rx.icon("shield-check", size=14),
            rx.text("Payments by Paygate", size="1", weight="medium"),
            gap="6px",
            align="center",
            style={"color": "#15803d"},
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="8px",
        style={"padding": "16px 0", "border_bottom": f"1px solid {LINE}"},
    )


def _product_card(product: Product) -> rx.Component:
    busy = StorePageState.busy_product == product.id
    return rx.flex(
        rx.center(
            rx.icon(product.icon, size=40, color=INK, stroke_width=1.5),
            style={"height": "120px", "background": product.tint, "border_radius": "12px"},
        ),
        rx.box(
            rx.text(product.name, weight="bold", size="3", style={"color": INK}),
            rx.text(product.blurb, size="2", style={"color": MUTED}),
        ),
        rx.flex(
            rx.text(
                format_amount(product.amount),
                weight="bold",
                size="4",
                custom_attrs={"data-test-id": "product-price"},
                style={"color": INK},
            ),
            rx.button(
                rx.cond(busy, rx.spinner(size="2"), rx.icon("lock", size=14)),
                "Buy now",
                on_click=StorePageState.buy(product.id),
                disabled=StorePageState.busy_product != "",
                custom_attrs={"data-test-id": "buy-button", "data-product-id": product.id},
                style={"background": ACCENT, "cursor": "pointer", "_hover": {"background": ACCENT_DARK}},
            ),
            justify="between",
            align="center",
            style={"margin_top": "auto"},
        ),
        direction="column",
        gap="12px",
        custom_attrs={"data-test-id": "product-card", "data-product-id": product.id},
        style={
            "background": "white",
            "border": f"1px solid {LINE}",
            "border_radius": "16px",
            "padding": "14px",
            "box_shadow": "0 1px 2px rgba(15,23,42,.04)",
        },
    )


def _result_banner() -> rx.Component:
    S = StorePageState
    color = rx.match(S.result, ("success", SUCCESS), ("failure", DANGER), ("error", DANGER), MUTED)
    icon = rx.match(
        S.result,
        ("success", rx.icon("circle-check", size=22, color=SUCCESS)),
        ("failure", rx.icon("circle-x", size=22, color=DANGER)),
        ("error", rx.icon("triangle-alert", size=22, color=DANGER)),
        ("open", rx.spinner(size="2")),
        rx.icon("info", size=22, color=MUTED),
    )
    return rx.cond(
        S.result != "",
        rx.flex(
            icon,
            rx.box(
                rx.text(S.result_title, weight="bold", size="3", style={"color": INK}),
                rx.text(S.result_message, size="2", style={"color": MUTED}),
                rx.cond(
                    S.payment_id != "",
                    rx.text(
                        "Payment ID: ",
                        rx.el.span(
                            S.payment_id,
                            custom_attrs={"data-test-id": "store-payment-id"},
                            style={"font_family": "ui-monospace, monospace"},
                        ),
                        size="1",
                        style={"color": MUTED, "margin_top": "4px", "overflow_wrap": "anywhere"},
                    ),
                ),
                rx.text(
                    "Order ID: ",
                    rx.el.span(
                        S.order_id,
                        custom_attrs={"data-test-id": "store-order-id"},
                        style={"font_family": "ui-monospace, monospace"},
                    ),
                    size="1",
                    style={"color": MUTED, "overflow_wrap": "anywhere"},
                ),
                style={"min_width": "0"},
            ),
            gap="12px",
            align="start",
            role="status",
            custom_attrs={"data-test-id": "store-result", "data-status": S.result, "aria-live": "polite"},
            style={
                "background": "white",
                "border": f"1px solid {LINE}",
                "border_left": rx.cond(S.result != "", "4px solid", "1px solid"),
                "border_left_color": color,
                "border_radius": "12px",
                "padding": "14px 16px",
                "margin_top": "20px",
            },
        ),
    )


def store_page() -> rx.Component:
    return rx.box(
        rx.script(src=SDK_SRC),
        rx.box(
            _header(),
            rx.box(
                rx.heading("Everyday goods, delivered", size="7", style={"color": INK, "letter_spacing": "-0.02em"}),
                rx.text(
                    "A demo shop for the Paygate checkout. Pay with UPI or a test card — no real money moves.",
                    size="3",
                    style={"color": MUTED, "margin_top": "6px"},
                ),
                style={"padding": "28px 0 4px"},
            ),
            _result_banner(),
            rx.grid(
                *[_product_card(p) for p in PRODUCTS],
                columns=rx.breakpoints(initial="1", xs="2", md="4"),
                gap="16px",
                custom_attrs={"data-test-id": "product-list"},
                style={"margin_top": "24px"},
            ),
            rx.text(
                "Test mode: any UPI ID (you@upi) or card 4111 1111 1111 1111 pays; "
                "failure@upi and card 4000 0000 0000 0002 always fail.",
                size="1",
                style={"color": MUTED, "margin_top": "28px", "text_align": "center"},
            ),
            style={"max_width": "1040px", "margin": "0 auto", "padding": "0 16px 48px"},
        ),
        custom_attrs={"data-test-id": "store"},
        style={"min_height": "100vh", "background": "#f8fafc"},
    )


def register(app: rx.App) -> None:
    app.add_page(
        store_page,
        route=routes.STORE,
        title="Kirana Lane · Demo store",
        description="Demo store paying with the Paygate checkout SDK.",
        on_load=StorePageState.load,
    )
