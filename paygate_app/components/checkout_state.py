"""State of the hosted checkout page (/checkout?order_id=...).

Card number, expiry and CVV never become state vars: the forms are uncontrolled, the submit
handler receives the form data, builds the body, calls the core and keeps only the payment id.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from paygate_app.components.checkout_logic import (
    bridge_script,
    card_body,
    error_field,
    format_amount,
    friendly_description,
    merchant_return_url,
    post_message_script,
    upi_body,
    valid_origin,
)
from paygate_app.core import merchants, orders, payments
from paygate_app.core.errors import (
    AuthenticationFailed,
    BadRequest,
    ExpiredCard,
    InvalidCard,
    InvalidVpa,
    NotFound,
    PaygateError,
    RateLimited,
    Reason,
)
from paygate_app.core.ratelimit import limit_ip

log = logging.getLogger("paygate.checkout")

POLL_INTERVAL = 0.5  # seconds between get_payment reads while the worker runs
SLOW_AFTER = 15.0  # then tell the shopper it is taking longer than usual
FAST_POLL_FOR = 120.0  # after this, poll every SLOW_POLL_INTERVAL
SLOW_POLL_INTERVAL = 3.0
GIVE_UP_AFTER = 900.0

NETWORK_LABELS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "rupay": "RuPay"}


def _method_label(row: dict) -> str:
    if row.get("method") == "upi":
        return f"UPI · {row.get('vpa') or ''}"
    network = NETWORK_LABELS.get(row.get("card_network") or "", "Card")
    return f"{network} •••• {row.get('card_last4') or ''}"


class CheckoutPageState(rx.State):
    """One shopper's checkout: which order, which screen, and the payment id once created."""

    # loading | form | processing | success | failed | unavailable | paid
    phase: str = "loading"
    order_id: str = ""
    amount_text: str = ""
    merchant_name: str = ""
    method: str = "upi"
    upi_allowed: bool = True  # UPI is for INR orders only

    # Inline validation error (the form stays on screen).
    form_error: str = ""
    form_error_code: str = ""
    form_error_field: str = ""

    payment_id: str = ""
    payment_method_label: str = ""
    failure_code: str = ""
    failure_description: str = ""
    slow: bool = False

    unavailable_title: str = ""
    unavailable_message: str = ""
    problem_code: str = ""  # the code the SDK's onFailure gets when the checkout cannot take a payment

    # Hosted page only: where "Return to merchant" goes (the order's callback_url + payment_id, status).
    return_url: str = ""

    embedded: bool = False
    parent_origin: str = ""  # "" unless a syntactically valid http(s) origin

    _merchant_id: str = ""
    _callback_url: str = ""

    @rx.var
    def can_post(self) -> bool:
        return self.embedded and bool(self.parent_origin)

    # ---- loading -------------------------------------------------------------------------

    @rx.event
    async def load(self):
        self.reset()
        await self._load_order()
        return self._announce()

    async def _load_order(self) -> None:
        params = self.router.url.query_parameters
        self.embedded = params.get("embedded", "").lower() in ("true", "1", "yes")
        self.parent_origin = valid_origin(params.get("parent_origin", ""))
        order_id = params.get("order_id", "").strip()
        key = params.get("key", "").strip()
        if not order_id:
            self._unavailable(
                "No order to pay",
                "This checkout link has no order. Go back to the store and try again.",
                "BAD_REQUEST_ERROR",
            )
            return
        try:
            order = await orders.get_order(order_id)
            if key:
                merchant = await merchants.merchant_by_key(key)
                if merchant.id != order["merchant_id"]:
                    raise NotFound("Order not found")
        except NotFound as exc:
            self._unavailable(
                "Order not found",
                f"We couldn't find order {order_id[:64]}. Check the link or contact the store.",
                exc.code,
            )
            return
        except AuthenticationFailed as exc:
            self._unavailable("Invalid checkout link", "The store's API key in this link is not valid.", exc.code)
            return
        except PaygateError as exc:
            log.warning("checkout: could not load order %s: %s", order_id[:64], exc.code)
            self._unavailable(
                "Checkout unavailable", "We can't load this order right now. Please try again shortly.", exc.code
            )
            return
        self.order_id = order["id"]
        self.amount_text = format_amount(order["amount"], order["currency"])
        self.merchant_name = order["merchant_name"]
        self._merchant_id = order["merchant_id"]
        self._callback_url = order.get("callback_url") or ""
        self.upi_allowed = order["currency"] == "INR"
        self.method = "upi" if self.upi_allowed else "card"
        if order["status"] != orders.OrderStatus.CREATED:
            self._paid()
        else:
            self.phase = "form"

    def _unavailable(self, title: str, message: str, code: str) -> None:
        self.phase = "unavailable"
        self.unavailable_title = title
        self.unavailable_message = message
        self.problem_code = code

    def _paid(self) -> None:
        self.phase = "paid"
        self.problem_code = "BAD_REQUEST_ERROR"

    def _announce(self):
        """Embedded: tell the SDK the checkout started (or why it cannot take a payment)."""
        if not (self.embedded and self.parent_origin):
            return None
        if self.phase == "paid":
            kind = "checkout_error"
            data = {
                "code": self.problem_code,
                "reason": "order_already_paid",
                "description": "This order has already been paid",
            }
        elif self.phase == "unavailable":
            kind, data = "checkout_error", {"code": self.problem_code, "description": self.unavailable_message}
        else:
            kind, data = "checkout_ready", {"orderId": self.order_id}
        script = bridge_script(self.parent_origin, kind, data)
        return rx.call_script(script) if script else None

    # ---- the form --------------------------------------------------------------------------

    @rx.event
    def choose_method(self, method: str) -> None:
        if self.phase == "form" and (method == "card" or (method == "upi" and self.upi_allowed)):
            self.method = method
            self._clear_form_error()

    def _clear_form_error(self) -> None:
        self.form_error = ""
        self.form_error_code = ""
        self.form_error_field = ""

    def _show_form_error(self, exc: PaygateError, field: str | None = None) -> None:
        self.form_error = friendly_description(exc)
        self.form_error_code = exc.code
        self.form_error_field = error_field(exc) if field is None else field

    @rx.event
    async def submit_upi(self, form_data: dict[str, Any]):
        return await self._start((lambda: upi_body(self.order_id, form_data)) if self.upi_allowed else None)

    @rx.event
    async def submit_card(self, form_data: dict[str, Any]):
        return await self._start(lambda: card_body(self.order_id, form_data))

    async def _start(self, build: Any):
        """Validate and create the payment through the core; only its id is kept."""
        if self.phase != "form" or not self.order_id:
            return None
        if build is None:
            self.form_error = "UPI is available for INR orders only. Please pay by card."
            self.form_error_code = "BAD_REQUEST_ERROR"
            self.form_error_field = ""
            return None
        self._clear_form_error()
        try:
            # Same per-IP limit as POST /api/v1/payments/public.
            await limit_ip(self.router.session.client_ip or "unknown", "public")
            row = await payments.create_payment(merchant_id=self._merchant_id, body=build())
        except (InvalidVpa, InvalidCard, ExpiredCard) as exc:
            self._show_form_error(exc)
            return None
        except NotFound as exc:
            self._unavailable("Order not found", "This order no longer exists. Please contact the store.", exc.code)
            return self._announce()
        except BadRequest as exc:
            if exc.reason == Reason.ORDER_ALREADY_PAID:
                self._paid()
                return self._announce()
            self._show_form_error(exc)
            return None
        except RateLimited as exc:
            self._show_form_error(exc, field="")
            if exc.reason == Reason.TOO_MANY_ATTEMPTS:
                self.form_error = "This order has had too many payment attempts. Please start again from the store."
            else:
                self.form_error = "Too many attempts. Please wait a moment and try again."
            return None
        except PaygateError as exc:
            log.warning("checkout: payment create failed for %s: %s", self.order_id, exc.code)
            self._show_form_error(exc, field="")
            self.form_error = "We couldn't start the payment right now. Please try again."
            return None
        except Exception:
            log.exception("checkout: payment create crashed for %s", self.order_id)
            self.form_error = "Something went wrong on our side. Please try again."
            self.form_error_code = "SERVER_ERROR"
            self.form_error_field = ""
            return None
        self.payment_id = row["id"]
        self.payment_method_label = _method_label(row)
        self.slow = False
        self.phase = "processing"
        return CheckoutPageState.poll_payment

    # ---- waiting for the worker -----------------------------------------------------------

    @rx.event(background=True)
    async def poll_payment(self):
        async with self:
            payment_id = self.payment_id
        if not payment_id:
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            elapsed = loop.time() - started
            await asyncio.sleep(POLL_INTERVAL if elapsed < FAST_POLL_FOR else SLOW_POLL_INTERVAL)
            try:
                row = await payments.get_payment(payment_id)
            except Exception as exc:  # a database hiccup: keep waiting
                log.warning("checkout: polling %s failed: %s", payment_id, exc)
                row = None
            elapsed = loop.time() - started
            if row is not None and row["status"] != payments.PaymentStatus.PENDING:
                async with self:
                    if self.payment_id != payment_id or self.phase != "processing":
                        return
                    script = self._finish(row)
                if script:
                    yield rx.call_script(script)
                return
            if elapsed > SLOW_AFTER and not self.slow:
                async with self:
                    if self.payment_id != payment_id:
                        return
                    self.slow = True
            if elapsed > GIVE_UP_AFTER:
                return

    def _finish(self, row: dict) -> str | None:
        """Show the final screen; the postMessage script for the parent window, if embedded."""
        if not self.embedded:
            self.return_url = merchant_return_url(self._callback_url, row["id"], str(row["status"]))
        if row["status"] == payments.PaymentStatus.SUCCESS:
            self.phase = "success"
            data = {"paymentId": row["id"], "orderId": row["order_id"], "status": "success"}
            kind = "payment_success"
        else:
            self.phase = "failed"
            self.failure_code = row.get("error_code") or "PAYMENT_FAILED"
            self.failure_description = row.get("error_description") or "The payment was declined."
            data = {"paymentId": row["id"], "code": self.failure_code, "description": self.failure_description}
            kind = "payment_failed"
        return post_message_script(self.parent_origin, kind, data) if self.embedded else None

    # ---- after the result --------------------------------------------------------------------

    @rx.event
    def retry(self) -> None:
        """Back to the form: a failed payment leaves the order `created`."""
        if self.phase != "failed":
            return
        self.payment_id = ""
        self.payment_method_label = ""
        self.failure_code = ""
        self.failure_description = ""
        self.slow = False
        self.return_url = ""
        self._clear_form_error()
        self.phase = "form"

    @rx.event
    def close_checkout(self):
        """Ask the merchant page (SDK) to close the modal."""
        if not self.embedded:
            return None
        script = post_message_script(self.parent_origin, "close_modal", {})
        return rx.call_script(script) if script else None
