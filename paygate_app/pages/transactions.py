"""/dashboard/transactions: payments with filters, search, pagination and a detail panel with refunds."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.badges import refund_badge, status_badge
from paygate_app.components.export import export_button
from paygate_app.components.filters import date_range, select_filter
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.paging import live_updates
from paygate_app.components.table import cell, data_table, pager
from paygate_app.components.ui import empty_state, info_callout, loading_state, mono, page_header, tid
from paygate_app.core.reports import MAX_SEARCH
from paygate_app.pages.payment_detail import detail_dialog
from paygate_app.pages.payment_detail_state import PaymentDetailState
from paygate_app.pages.transactions_state import METHODS, REFUNDS, STATUSES, TransactionsState
from paygate_app.state import AuthState


def toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    name="q",
                    placeholder="Id, VPA, card last 4 or receipt",
                    value=TransactionsState.search_input,
                    on_change=TransactionsState.set_search_input,
                    max_length=MAX_SEARCH,
                    width="100%",
                    custom_attrs=tid("search-input"),
                ),
                rx.button("Search", type="submit", variant="soft", custom_attrs=tid("search-button")),
                spacing="2",
                width="100%",
            ),
            on_submit=TransactionsState.apply_search,
            reset_on_submit=False,
            flex_grow="1",
            min_width=rx.breakpoints(initial="100%", sm="18em"),
        ),
        select_filter(STATUSES, TransactionsState.status_filter, TransactionsState.set_status_filter, "status-filter"),
        select_filter(METHODS, TransactionsState.method_filter, TransactionsState.set_method_filter, "method-filter"),
        select_filter(REFUNDS, TransactionsState.refund_filter, TransactionsState.set_refund_filter, "refund-filter"),
        date_range(TransactionsState.date_from, TransactionsState.date_to, TransactionsState),
        rx.cond(
            TransactionsState.filtered,
            rx.button(
                "Clear",
                variant="ghost",
                color_scheme="gray",
                on_click=TransactionsState.clear_filters,
                custom_attrs=tid("clear-filters-button"),
            ),
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def transaction_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        cell(mono(row["id"]), "payment-id"),
        cell(mono(row["order_id"]), "order-id"),
        cell(row["amount"], "amount", text_align="right"),
        cell(row["refunded"], "refunded-amount", text_align="right", wide_only=True),  # the badge says it on phones
        cell(
            rx.vstack(
                rx.text(row["method"], size="2"),
                rx.text(row["method_detail"], size="1", color_scheme="gray"),
                spacing="0",
            ),
            "method",
        ),
        rx.table.cell(
            rx.hstack(
                status_badge(row["status"], "status"),
                refund_badge(row["refund_badge"]),
                spacing="1",
                wrap="wrap",
            ),
            white_space="nowrap",
        ),
        cell(row["created_at"], "created-at"),
        on_click=PaymentDetailState.open_payment(row["id"]),
        cursor="pointer",
        _hover={"background": rx.color("accent", 2)},
        custom_attrs=tid("transaction-row", **{"data-payment-id": row["id"]}),
    )


def transactions_table() -> rx.Component:
    return rx.cond(
        TransactionsState.loaded,
        rx.vstack(
            data_table(
                ["Payment", "Order", "Amount", "Refunded", "Method", "Status", "Created (UTC)"],
                rx.table.body(rx.foreach(TransactionsState.rows, transaction_row)),
                "transactions-table",
            ),
            rx.cond(
                TransactionsState.total == 0,
                rx.cond(
                    TransactionsState.filtered,
                    empty_state("search-x", "No payments match", "Try another status, method or id."),
                    empty_state(
                        "credit-card",
                        "No payments yet",
                        "Create an order with the API and pay it from the checkout; it shows up here.",
                    ),
                ),
                pager(
                    summary=TransactionsState.summary,
                    has_prev=TransactionsState.has_prev,
                    has_next=TransactionsState.has_next,
                    on_prev=TransactionsState.prev_page,
                    on_next=TransactionsState.next_page,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        loading_state("Loading payments…"),
    )


def transactions_page() -> rx.Component:
    return dashboard_layout(
        page_header(
            "Transactions",
            "Every payment attempt. Click a row for details, refunds and capture.",
            export_button("payments.csv", TransactionsState.export_query),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                variant="soft",
                color_scheme="gray",
                on_click=TransactionsState.refresh,
                custom_attrs=tid("refresh-button"),
            ),
        ),
        toolbar(),
        rx.cond(
            TransactionsState.error != "", info_callout(TransactionsState.error, icon="triangle-alert", color="red")
        ),
        rx.cond(
            PaymentDetailState.error != "",
            info_callout(
                PaymentDetailState.error,
                icon="triangle-alert",
                color="red",
                custom_attrs=tid("payment-detail-error"),
            ),
        ),
        transactions_table(),
        detail_dialog(),
        live_updates(TransactionsState.tick),
        current=routes.TRANSACTIONS,
    )


def register(app: rx.App) -> None:
    app.add_page(
        transactions_page,
        route=routes.TRANSACTIONS,
        title="Transactions · Paygate",
        on_load=[AuthState.check_login, TransactionsState.load, PaymentDetailState.load],
    )
