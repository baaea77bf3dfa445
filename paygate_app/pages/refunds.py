"""/dashboard/refunds: every refund, newest first (pending ones update by themselves)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from paygate_app import routes
from paygate_app.components.badges import status_badge
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.paging import PagedMixin, live_updates
from paygate_app.components.rows import refund_row
from paygate_app.components.table import cell, data_table, pager
from paygate_app.components.ui import empty_state, info_callout, loading_state, mono, page_header, tid
from paygate_app.core.pagination import Page
from paygate_app.core.refunds import list_refunds
from paygate_app.state import AuthState


class RefundsState(PagedMixin, AuthState):
    empty_summary: ClassVar[str] = "No refunds"

    rows: list[dict[str, str]] = []

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        return await list_refunds(merchant_id=self.merchant_id, page=page)

    def _show(self, rows: list[dict]) -> None:
        self.rows = [refund_row(r) for r in rows]
        self.error = ""

    @rx.event
    async def load(self):
        if not self.merchant_id:
            return None
        return await self._reload()


def refund_table_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        cell(mono(row["id"]), "refund-id"),
        cell(mono(row["payment_id"]), "refund-payment-id"),
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
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                variant="soft",
                color_scheme="gray",
                on_click=RefundsState.refresh,
                custom_attrs=tid("refresh-button"),
            ),
        ),
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
                    empty_state("undo-2", "No refunds yet", "Open a successful payment in Transactions to refund it."),
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
