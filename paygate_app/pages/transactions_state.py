"""State of /dashboard/transactions' list: filters, search, date range, page, all kept in the URL.

The payment detail dialog has its own state (pages/payment_detail.py); the list only opens it.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from paygate_app.components.paging import PagedMixin
from paygate_app.components.rows import payment_row
from paygate_app.components.url import day_text, parse_day, parse_page, set_query
from paygate_app.core.pagination import Page
from paygate_app.core.reports import MAX_SEARCH, Filters, list_payments
from paygate_app.state import AuthState

STATUSES = (("all", "All statuses"), ("pending", "Pending"), ("success", "Success"), ("failed", "Failed"))
METHODS = (("all", "All methods"), ("upi", "UPI"), ("card", "Card"))
REFUNDS = (
    ("all", "Any refund state"),
    ("any", "Refunded (any)"),
    ("full", "Refunded"),
    ("partial", "Partially refunded"),
    ("none", "Not refunded"),
)


def _choice(value: str | None, options: tuple[tuple[str, str], ...]) -> str:
    return value if value in dict(options) else "all"


class TransactionsState(PagedMixin, AuthState):
    empty_summary: ClassVar[str] = "No payments"

    rows: list[dict[str, str]] = []
    status_filter: str = "all"
    method_filter: str = "all"
    refund_filter: str = "all"
    search: str = ""
    search_input: str = ""
    date_from: str = ""  # 'YYYY-MM-DD' (UTC days, both included) or ''
    date_to: str = ""

    @rx.var
    def filtered(self) -> bool:
        return (
            self.status_filter != "all"
            or self.method_filter != "all"
            or self.refund_filter != "all"
            or bool(self.search or self.date_from or self.date_to)
        )

    @rx.var
    def export_query(self) -> str:
        """The filters as the CSV export's query string (no session in it: that goes in a header)."""
        return urlencode({k: v for k, v in self._query_params().items() if v and k != "page"})

    def _filters(self) -> Filters:
        return Filters(
            status=None if self.status_filter == "all" else self.status_filter,
            method=None if self.method_filter == "all" else self.method_filter,
            refund=None if self.refund_filter == "all" else self.refund_filter,
            search=self.search or None,
            date_from=parse_day(self.date_from),
            date_to=parse_day(self.date_to),
        )

    def _query_params(self) -> dict[str, str]:
        return {
            "status": "" if self.status_filter == "all" else self.status_filter,
            "method": "" if self.method_filter == "all" else self.method_filter,
            "refund": "" if self.refund_filter == "all" else self.refund_filter,
            "q": self.search,
            "from": self.date_from,
            "to": self.date_to,
            "page": str(self.page + 1) if self.page else "",
        }

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        return await list_payments(merchant_id=self.merchant_id, page=page, filters=self._filters())

    def _show(self, rows: list[dict]) -> None:
        self.rows = [payment_row(r) for r in rows]
        self.error = ""

    def _view_events(self) -> list:
        return [set_query(self._query_params())]

    async def _restart(self):
        """A filter changed: page 1 of the new view, which also goes in the URL."""
        self.page = 0
        return self._with_view(await self._reload())

    @rx.event
    async def load(self):
        """on_load: the view in the URL (a shared or reloaded link) is the view shown."""
        if not self.merchant_id:
            return None
        q = self.router.url.query_parameters
        self.status_filter = _choice(q.get("status"), STATUSES)
        self.method_filter = _choice(q.get("method"), METHODS)
        self.refund_filter = _choice(q.get("refund"), REFUNDS)
        self.search = self.search_input = (q.get("q") or "").strip()[:MAX_SEARCH]
        self.date_from, self.date_to = day_text(q.get("from")), day_text(q.get("to"))
        self.page = parse_page(q.get("page"))
        return await self._reload()

    @rx.event
    async def set_status_filter(self, value: str):
        self.status_filter = _choice(value, STATUSES)
        return await self._restart()

    @rx.event
    async def set_method_filter(self, value: str):
        self.method_filter = _choice(value, METHODS)
        return await self._restart()

    @rx.event
    async def set_refund_filter(self, value: str):
        self.refund_filter = _choice(value, REFUNDS)
        return await self._restart()

    @rx.event
    async def set_date_from(self, value: str):
        self.date_from = day_text(value)
        return await self._restart()

    @rx.event
    async def set_date_to(self, value: str):
        self.date_to = day_text(value)
        return await self._restart()

    @rx.event
    def set_search_input(self, value: str):
        self.search_input = value[:MAX_SEARCH]

    @rx.event
    async def apply_search(self, form: dict):
        self.search = self.search_input.strip()[:MAX_SEARCH]
        return await self._restart()

    @rx.event
    async def clear_filters(self):
        self.status_filter = self.method_filter = self.refund_filter = "all"
        self.search = self.search_input = self.date_from = self.date_to = ""
        return await self._restart()
