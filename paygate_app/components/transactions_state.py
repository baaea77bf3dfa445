"""State of /dashboard/transactions (the view is in pages/transactions.py)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from paygate_app import routes
from paygate_app.components.dates import format_time, format_time_short
from paygate_app.components.money import format_inr, paise_to_rupees_text, parse_rupees
from paygate_app.components.paging import PAGE_SIZE, PagedMixin
from paygate_app.core.errors import PaygateError
from paygate_app.core.pagination import Page
from paygate_app.core.payments import get_payment, list_payments
from paygate_app.core.refunds import create_refund, list_refunds
from paygate_app.state import AuthState

STATUSES = (("all", "All statuses"), ("pending", "Pending"), ("success", "Success"), ("failed", "Failed"))
METHODS = (("all", "All methods"), ("upi", "UPI"), ("card", "Card"))
MAX_SEARCH = 64


def payment_row(row: dict) -> dict[str, str]:
    """The strings one table row shows."""
    if row["method"] == "upi":
        detail = row.get("vpa") or ""
    else:
        detail = f"{(row.get('card_network') or 'card').title()} •••• {row.get('card_last4') or ''}".strip()
    refunded = int(row.get("amount_refunded") or 0)
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "amount": format_inr(row["amount"]),
        "method": row["method"],
        "method_detail": detail,
        "status": row["status"],
        "created_at": format_time_short(row["created_at"]),
        "refunded": format_inr(refunded) if refunded else "",
    }


def refund_row(row: dict) -> dict[str, str]:
    return {
        "id": row["id"],
        "payment_id": row["payment_id"],
        "amount": format_inr(row["amount"]),
        "status": row["status"],
        "reason": row.get("reason") or "",
        "created_at": format_time_short(row["created_at"]),
        "processed_at": format_time_short(row.get("processed_at")),
    }


class TransactionsState(PagedMixin, AuthState):
    live_route: ClassVar[str] = routes.TRANSACTIONS
    live_max_seconds: ClassVar[float] = 120.0  # pending payments settle within seconds; stop watching after two minutes
    empty_summary: ClassVar[str] = "No payments"

    rows: list[dict[str, str]] = []
    status_filter: str = "all"
    method_filter: str = "all"
    search: str = ""
    search_input: str = ""
    loading: bool = False
    # Detail panel
    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_refunds: list[dict[str, str]] = []
    refundable_paise: int = 0
    refund_amount: str = ""
    refund_reason: str = ""
    refund_error: str = ""
    refund_notice: str = ""
    refund_submitting: bool = False

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def filtered(self) -> bool:
        return self.status_filter != "all" or self.method_filter != "all" or bool(self.search)

    @rx.var
    def refundable_text(self) -> str:
        return format_inr(self.refundable_paise)

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        return await list_payments(
            merchant_id=self.merchant_id,
            page=page,
            status=None if self.status_filter == "all" else self.status_filter,
            method=None if self.method_filter == "all" else self.method_filter,
            search=self.search or None,
        )

    def _show(self, rows: list[dict]) -> None:
        self.rows = [payment_row(r) for r in rows]
        self.error = ""

    async def _tick(self) -> bool:
        pending = await self._fetch()
        if self.detail_open and self.detail.get("id"):
            await self._load_detail(self.detail["id"], keep_form=True)
        return pending

    @rx.event
    async def load(self):
        if not self.merchant_id:
            return None
        self.detail_open = False
        return await self._reload()

    @rx.event
    async def set_status_filter(self, value: str):
        self.status_filter = value if value in dict(STATUSES) else "all"
        self.page = 0
        return await self._reload()

    @rx.event
    async def set_method_filter(self, value: str):
        self.method_filter = value if value in dict(METHODS) else "all"
        self.page = 0
        return await self._reload()

    @rx.event
    def set_search_input(self, value: str):
        self.search_input = value[:MAX_SEARCH]

    @rx.event
    async def apply_search(self, form: dict):
        self.search = self.search_input.strip()[:MAX_SEARCH]
        self.page = 0
        return await self._reload()

    @rx.event
    async def clear_filters(self):
        self.status_filter = "all"
        self.method_filter = "all"
        self.search = ""
        self.search_input = ""
        self.page = 0
        return await self._reload()

    # --- detail panel ----------------------------------------------------------------

    async def _load_detail(self, payment_id: str, *, keep_form: bool = False) -> None:
        payment = await get_payment(payment_id, merchant_id=self.merchant_id)
        refunds, _ = await list_refunds(
            merchant_id=self.merchant_id, page=Page(limit=100, offset=0), payment_id=payment_id
        )
        shown = payment_row(payment)
        shown.update(
            {
                "currency": payment["currency"],
                "captured": "Yes" if payment["captured"] else "No",
                "created_at": format_time(payment["created_at"]),
                "updated_at": format_time(payment["updated_at"]),
                "error": " — ".join(x for x in (payment.get("error_code"), payment.get("error_description")) if x),
                "refunded": format_inr(int(payment["amount_refunded"] or 0)),
            }
        )
        self.detail = shown
        self.detail_refunds = [refund_row(r) for r in refunds]
        remaining = int(payment["amount"]) - int(payment["amount_refunded"] or 0)
        self.refundable_paise = remaining if payment["status"] == "success" else 0
        if not keep_form:
            self.refund_amount = paise_to_rupees_text(remaining) if self.refundable_paise > 0 else ""
            self.refund_reason = ""
            self.refund_error = ""
            self.refund_notice = ""

    @rx.event
    async def open_payment(self, payment_id: str):
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            await self._load_detail(payment_id)
        except PaygateError as exc:
            self.error = exc.description
            return None
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value

    @rx.event
    def set_refund_amount(self, value: str):
        self.refund_amount = value[:20]

    @rx.event
    def set_refund_reason(self, value: str):
        self.refund_reason = value[:255]

    @rx.event
    async def submit_refund(self, form: dict):
        self.refund_error = ""
        self.refund_notice = ""
        payment_id = self.detail.get("id", "")
        try:
            amount = parse_rupees(self.refund_amount)
        except ValueError as exc:
            self.refund_error = str(exc)
            return
        if await self._require_merchant() is None:
            yield self._session_lost()
            return
        self.refund_submitting = True
        yield
        try:
            refund = await create_refund(
                merchant_id=self.merchant_id,
                payment_id=payment_id,
                amount=amount,
                reason=self.refund_reason.strip() or None,
            )
        except PaygateError as exc:
            self.refund_error = exc.description
            self.refund_submitting = False
            return
        self.refund_submitting = False
        await self._load_detail(payment_id)
        self.refund_notice = f"Refund {refund['id']} of {format_inr(refund['amount'])} created; it is pending."
        await self._fetch()
        yield TransactionsState.watch_pending
