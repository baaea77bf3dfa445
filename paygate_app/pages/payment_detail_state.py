"""State of the payment dialog on /dashboard/transactions: details, refunds, refund and capture.

Its own state (the list's filters and page are `TransactionsState`'s); the open payment is in
the URL (`?payment=pay_…`), so a reload or a shared link opens it again. While open, the
dialog's timer (`tick`) refreshes it, keeping what the merchant is typing.

Refunds take two steps: `review_refund` checks the amount in rupees (errors in rupees, the unit
typed) and shows what will happen; `confirm_refund` creates it. Capture asks first too.
"""

from __future__ import annotations

import reflex as rx

from paygate_app.components.dates import format_time
from paygate_app.components.money import format_inr, paise_to_rupees_text, parse_rupees
from paygate_app.components.rows import payment_row, refund_row
from paygate_app.components.url import set_query
from paygate_app.core.errors import PaygateError
from paygate_app.core.pagination import Page
from paygate_app.core.payments import capture_payment, get_payment
from paygate_app.core.refunds import create_refund, list_refunds
from paygate_app.state import AuthState

MAX_ID = 64


class PaymentDetailState(AuthState):
    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_refunds: list[dict[str, str]] = []
    refundable_paise: int = 0
    capturable: bool = False
    # refund form
    refund_amount: str = ""
    refund_reason: str = ""
    refund_error: str = ""
    refund_confirming: bool = False
    refund_confirm_paise: int = 0
    refund_submitting: bool = False
    # the last refund made here, and what the table says about it now
    notice_refund_id: str = ""
    refund_notice: str = ""
    # capture
    capture_confirming: bool = False
    capturing: bool = False
    capture_error: str = ""
    capture_notice: str = ""
    error: str = ""

    @rx.var
    def refundable_text(self) -> str:
        return format_inr(self.refundable_paise)

    @rx.var
    def refund_confirm_text(self) -> str:
        return format_inr(self.refund_confirm_paise)

    async def _load_detail(self, payment_id: str, *, keep_form: bool = False) -> None:
        payment = await get_payment(payment_id, merchant_id=self.merchant_id)
        refunds, _ = await list_refunds(
            merchant_id=self.merchant_id, page=Page(limit=100, offset=0), payment_id=payment_id
        )
        shown = payment_row(payment)
        refunded = int(payment["amount_refunded"] or 0)
        shown.update(
            {
                "currency": payment["currency"],
                "captured": "Yes" if payment["captured"] else "No",
                "created_at": format_time(payment["created_at"]),
                "updated_at": format_time(payment["updated_at"]),
                "error": " — ".join(x for x in (payment.get("error_code"), payment.get("error_description")) if x),
                "refunded": format_inr(refunded),
            }
        )
        self.detail = shown
        self.detail_refunds = [refund_row(r) for r in refunds]
        remaining = int(payment["amount"]) - refunded
        self.refundable_paise = remaining if payment["status"] == "success" else 0
        self.capturable = payment["status"] == "success" and not payment["captured"]
        self._update_notice()
        if not keep_form:
            self.refund_amount = paise_to_rupees_text(remaining) if self.refundable_paise > 0 else ""
            self.refund_reason = ""
            self.refund_error = ""
            self.refund_confirming = False
            self.capture_confirming = False
            self.capture_error = ""

    def _update_notice(self) -> None:
        """The banner about the last refund follows its row: pending → processed, never stale."""
        row = next((r for r in self.detail_refunds if r["id"] == self.notice_refund_id), None)
        if row is None:
            self.refund_notice = ""
            return
        if row["status"] == "pending":
            self.refund_notice = f"Refund {row['id']} of {row['amount']} created; it is pending."
        else:
            self.refund_notice = f"Refund {row['id']} of {row['amount']} {row['status']}."

    async def _open(self, payment_id: str):
        if await self._require_merchant() is None:
            return self._session_lost()
        self.notice_refund_id = ""
        self.capture_notice = ""
        try:
            await self._load_detail(payment_id[:MAX_ID])
        except PaygateError as exc:
            self.error = exc.description
            self.detail_open = False
            return set_query({"payment": ""})
        self.error = ""
        self.detail_open = True
        return set_query({"payment": self.detail["id"]})

    @rx.event
    async def load(self):
        """on_load: `?payment=pay_…` opens that payment (a reload or a shared link)."""
        self.detail_open = False
        self.error = ""
        payment_id = self.router.url.query_parameters.get("payment") or ""
        if not self.merchant_id or not payment_id:
            return None
        return await self._open(payment_id)

    @rx.event
    async def open_payment(self, payment_id: str):
        return await self._open(payment_id)

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value
        if not value:
            return set_query({"payment": ""})
        return None

    @rx.event
    async def tick(self):
        """Live update while the dialog is open (the form and confirmation step are kept)."""
        if not self.detail_open or not self.detail.get("id"):
            return None
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            await self._load_detail(self.detail["id"], keep_form=True)
        except PaygateError:
            return None
        return None

    # --- refund ---------------------------------------------------------------------------

    @rx.event
    def set_refund_amount(self, value: str):
        self.refund_amount = value[:20]
        self.refund_confirming = False

    @rx.event
    def set_refund_reason(self, value: str):
        self.refund_reason = value[:255]

    def _check_amount(self) -> int | None:
        """The typed rupees in paise, or None with `refund_error` set (in rupees)."""
        try:
            amount = parse_rupees(self.refund_amount)
        except ValueError as exc:
            self.refund_error = str(exc)
            return None
        if amount <= 0:
            self.refund_error = "Enter an amount greater than ₹0.00"
            return None
        if amount > self.refundable_paise:
            self.refund_error = (
                f"{format_inr(amount)} is more than the {format_inr(self.refundable_paise)} left to refund"
            )
            return None
        return amount

    @rx.event
    def review_refund(self, form: dict):
        """Step 1: check the amount and ask to confirm it."""
        self.refund_error = ""
        amount = self._check_amount()
        if amount is None:
            return
        self.refund_confirm_paise = amount
        self.refund_confirming = True

    @rx.event
    def cancel_refund(self):
        self.refund_confirming = False

    @rx.event
    async def confirm_refund(self):
        """Step 2: create the refund of the amount shown in the confirmation."""
        self.refund_error = ""
        payment_id = self.detail.get("id", "")
        if await self._require_merchant() is None:
            yield self._session_lost()
            return
        self.refund_submitting = True
        yield
        try:
            refund = await create_refund(
                merchant_id=self.merchant_id,
                payment_id=payment_id,
                amount=self.refund_confirm_paise,
                reason=self.refund_reason.strip() or None,
            )
        except PaygateError as exc:
            self.refund_submitting = False
            self.refund_confirming = False
            try:  # e.g. another refund got there first: say it in rupees against today's balance
                await self._load_detail(payment_id, keep_form=True)
            except PaygateError:
                pass
            self.refund_error = (
                f"{format_inr(self.refund_confirm_paise)} is more than the "
                f"{format_inr(self.refundable_paise)} left to refund"
                if self.refund_confirm_paise > self.refundable_paise
                else exc.description
            )
            return
        self.refund_submitting = False
        self.notice_refund_id = refund["id"]
        await self._load_detail(payment_id)

    # --- capture --------------------------------------------------------------------------

    @rx.event
    def ask_capture(self):
        self.capture_error = ""
        self.capture_confirming = True

    @rx.event
    def cancel_capture(self):
        self.capture_confirming = False

    @rx.event
    async def confirm_capture(self):
        self.capture_error = ""
        payment_id = self.detail.get("id", "")
        if await self._require_merchant() is None:
            yield self._session_lost()
            return
        self.capturing = True
        yield
        try:
            await capture_payment(payment_id=payment_id, merchant_id=self.merchant_id)
        except PaygateError as exc:
            self.capture_error = exc.description
        else:
            self.capture_notice = f"Payment {payment_id} captured."
        self.capturing = False
        self.capture_confirming = False
        try:
            await self._load_detail(payment_id, keep_form=True)
        except PaygateError:
            pass
