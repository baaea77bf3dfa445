"""/dashboard/refunds: every refund, newest first (pending ones update by themselves)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from paygate_app import routes
from paygate_app.components.badges import status_badge
from paygate_app.components.export import export_button
from paygate_app.components.filters import date_range, select_filter
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.paging import PagedMixin, live_updates
from paygate_app.components.rows import refund_row
from paygate_app.components.table import cell, data_table, pager
from paygate_app.components.ui import empty_state, info_callout, loading_state, mono, page_header, tid
from paygate_app.components.url import day_text, parse_day, parse_page, set_query
from paygate_app.core.pagination import Page
from paygate_app.core.reports import MAX_SEARCH, Filters, list_refunds
from paygate_app.state import AuthState

REFUND_STATUSES = (("all", "All statuses"), ("pending", "Pending"), ("processed", "Processed"))


class RefundsState(PagedMixin, AuthState):
    empty_summary: ClassVar[str] = "No refunds"

    rows: list[dict[str, str]] = []
    status_filter: str = "all"
    search: str = ""
    search_input: str = ""
    date_from: str = ""
    date_to: str = ""

    @rx.var
    def filtered(self) -> bool:
        return self.status_filter != "all" or bool(self.search or self.date_from or self.date_to)

    @rx.var
    def export_query(self) -> str:
        return urlencode({k: v for k, v in self._query_params().items() if v and k != "page"})

    def _query_params(self) -> dict[str, str]:
        return {
            "status": "" if self.status_filter == "all" else self.status_filter,
            "q": self.search,
            "from": self.date_from,
            "to": self.date_to,
            "page": str(self.page + 1) if self.page else "",
        }

    def _view_events(self) -> list:
        return [set_query(self._query_params())]

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        filters = Filters(
            status=None if self.status_filter == "all" else self.status_filter,
            search=self.search or None,
            date_from=parse_day(self.date_from),
            date_to=parse_day(self.date_to),
        )
        return await list_refunds(merchant_id=self.merchant_id, page=page, filters=filters)

    def _show(self, rows: list[dict]) -> None:
        self.rows = [refund_row(r) for r in rows]
        self.error = ""

    async def _restart(self):
        self.page = 0
        return self._with_view(await self._reload())

    @rx.event
    async def load(self):
        if not self.merchant_id:
            return None
        q = self.router.url.query_parameters
        self.status_filter = q.get("status") if q.get("status") in dict(REFUND_STATUSES) else "all"
        self.search = self.search_input = (q.get("q") or "").strip()[:MAX_SEARCH]
        self.date_from, self.date_to = day_text(q.get("from")), day_text(q.get("to"))
        self.page = parse_page(q.get("page"))
        return await self._reload()

    @rx.event
    async def set_status_filter(self, value: str):
        self.status_filter = value if value in dict(REFUND_STATUSES) else "all"
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
        self.status_filter = "all"
        self.search = self.search_input = self.date_from = self.date_to = ""
        return await self._restart()


def toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    placeholder="Refund or payment id",
                    value=RefundsState.search_input,
                    on_change=RefundsState.set_search_input,
                    max_length=MAX_SEARCH,
                    width="100%",
                    custom_attrs=tid("refund-search-input"),
                ),
                rx.button("Search", type="submit", variant="soft", custom_attrs=tid("refund-search-button")),
                spacing="2",
                width="100%",
            ),
            on_submit=RefundsState.apply_search,
            reset_on_submit=False,
            flex_grow="1",
            min_width=rx.breakpoints(initial="100%", sm="18em"),
        ),
        select_filter(
            REFUND_STATUSES, RefundsState.status_filter, RefundsState.set_status_filter, "refund-status-filter"
        ),
        date_range(RefundsState.date_from, RefundsState.date_to, RefundsState),
        rx.cond(
            RefundsState.filtered,
            rx.button(
                "Clear",
                variant="ghost",
                color_scheme="gray",
                on_click=RefundsState.clear_filters,
                custom_attrs=tid("clear-filters-button"),
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def refund_table_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        cell(mono(row["id"]), "refund-id"),
        cell(
            rx.link(
                mono(row["payment_id"]),
                href=routes.TRANSACTIONS + "?payment=" + row["payment_id"],
                custom_attrs=tid("refund-payment-link"),
            ),
            "refund-payment-id",
        ),
        cell(row["amount"], "refund-amount", text_align="right"),
        cell(status_badge(row["status"]), "refund-status"),
        cell(rx.text(row["reason"], max_width="16em", truncate=True), "refund-reason"),
        cell(row["created_at"], "refund-created-at"),
        cell(row["processed_at"], "refund-processed-at"),
        custom_attrs=tid("refund-row", **{"data-refund-id": row["id"]}),
    )


def refunds_page() -> rx.Component:
    return dashboard_layout(
        page_header(
            "Refunds",
            "Refunds move from pending to processed in a few seconds. Start one from a payment in Transactions.",
            export_button("refunds.csv", RefundsState.export_query),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                variant="soft",
                color_scheme="gray",
                on_click=RefundsState.refresh,
                custom_attrs=tid("refresh-button"),
            ),
        ),
        toolbar(),
        rx.cond(RefundsState.error != "", info_callout(RefundsState.error, icon="triangle-alert", color="red")),
        rx.cond(
            RefundsState.loaded,
            rx.vstack(
                data_table(
                    ["Refund", "Payment", "Amount", "Status", "Reason", "Created (UTC)", "Processed (UTC)"],
                    rx.table.body(rx.foreach(RefundsState.rows, refund_table_row)),
                    "refunds-table",
                ),
                rx.cond(
                    RefundsState.total == 0,
                    rx.cond(
                        RefundsState.filtered,
                        empty_state("search-x", "No refunds match", "Try another status, date or id."),
                        empty_state(
                            "undo-2", "No refunds yet", "Open a successful payment in Transactions to refund it."
                        ),
                    ),
                    pager(
                        summary=RefundsState.summary,
                        has_prev=RefundsState.has_prev,
                        has_next=RefundsState.has_next,
                        on_prev=RefundsState.prev_page,
                        on_next=RefundsState.next_page,
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            loading_state("Loading refunds…"),
        ),
        live_updates(RefundsState.tick),
        current=routes.REFUNDS,
    )


def register(app: rx.App) -> None:
    app.add_page(
        refunds_page,
        route=routes.REFUNDS,
        title="Refunds · Paygate",
        on_load=[AuthState.check_login, RefundsState.load],
    )
