"""/dashboard/transactions: payments with filters, search, pagination and a detail panel with refunds."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.badges import status_badge
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.table import cell, data_table, pager
from paygate_app.components.transactions_state import MAX_SEARCH, METHODS, STATUSES, TransactionsState
from paygate_app.components.ui import empty_state, error_callout, info_callout, loading_state, mono, page_header, tid
from paygate_app.state import AuthState


def select_filter(options: tuple[tuple[str, str], ...], value: rx.Var, on_change, test_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(custom_attrs=tid(test_id), min_width="10em"),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in options]),
        value=value,
        on_change=on_change,
        size="2",
    )


def toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=14)),
                    name="q",
                    placeholder="Payment or order id",
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
        cell(
            rx.vstack(
                rx.text(row["method"], size="2"),
                rx.text(row["method_detail"], size="1", color_scheme="gray"),
                spacing="0",
            ),
            "method",
        ),
        cell(status_badge(row["status"]), "status"),
        cell(row["created_at"], "created-at"),
        on_click=TransactionsState.open_payment(row["id"]),
        cursor="pointer",
        _hover={"background": rx.color("accent", 2)},
        custom_attrs=tid("transaction-row", **{"data-payment-id": row["id"]}),
    )


def transactions_table() -> rx.Component:
    return rx.cond(
        TransactionsState.loaded,
        rx.vstack(
            data_table(
                ["Payment", "Order", "Amount", "Method", "Status", "Created (UTC)"],
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


def detail_item(label: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="8em"),
        rx.data_list.value(value),
    )


def refund_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Refund this payment", weight="medium", size="3"),
            rx.text(
                "Amount in rupees (₹), up to ",
                rx.text.strong(TransactionsState.refundable_text),
                " remaining. It defaults to the full remaining amount.",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.input(
                    rx.input.slot("₹"),
                    value=TransactionsState.refund_amount,
                    on_change=TransactionsState.set_refund_amount,
                    input_mode="decimal",
                    placeholder="0.00",
                    aria_label="Refund amount in rupees",
                    width=rx.breakpoints(initial="100%", sm="10em"),
                    custom_attrs=tid("refund-amount-input"),
                ),
                rx.input(
                    value=TransactionsState.refund_reason,
                    on_change=TransactionsState.set_refund_reason,
                    placeholder="Reason (optional)",
                    aria_label="Refund reason",
                    max_length=255,
                    flex_grow="1",
                    width=rx.breakpoints(initial="100%", sm="auto"),
                    custom_attrs=tid("refund-reason-input"),
                ),
                rx.button(
                    rx.cond(TransactionsState.refund_submitting, rx.spinner(size="1"), rx.icon("undo-2", size=14)),
                    "Refund",
                    type="submit",
                    color_scheme="red",
                    disabled=TransactionsState.refund_submitting,
                    custom_attrs=tid("refund-submit-button"),
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="2",
                width="100%",
            ),
            error_callout(TransactionsState.refund_error, "refund-error"),
            spacing="2",
            width="100%",
        ),
        on_submit=TransactionsState.submit_refund,
        reset_on_submit=False,
        width="100%",
        custom_attrs=tid("refund-form"),
    )


def detail_refunds() -> rx.Component:
    return rx.vstack(
        rx.text("Refunds", weight="medium", size="3"),
        rx.cond(
            TransactionsState.detail_refunds.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Refund"),
                        rx.table.column_header_cell("Amount"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Created (UTC)"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        TransactionsState.detail_refunds,
                        lambda r: rx.table.row(
                            rx.table.cell(mono(r["id"])),
                            rx.table.cell(r["amount"], white_space="nowrap"),
                            rx.table.cell(status_badge(r["status"])),
                            rx.table.cell(r["created_at"], white_space="nowrap"),
                            custom_attrs=tid("payment-refund-row"),
                        ),
                    )
                ),
                size="1",
                variant="surface",
                width="100%",
                custom_attrs=tid("payment-refunds"),
            ),
            rx.text("No refunds yet.", size="2", color_scheme="gray"),
        ),
        spacing="2",
        width="100%",
    )


def detail_dialog() -> rx.Component:
    d = TransactionsState.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Payment", margin="0"),
                status_badge(d["status"], "detail-status"),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x", size=16),
                        variant="ghost",
                        color_scheme="gray",
                        aria_label="Close",
                        custom_attrs=tid("close-detail-button"),
                    )
                ),
                align="center",
                width="100%",
            ),
            rx.dialog.description(
                "Payment details, refunds and a refund form.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="var(--space-3)",
            ),
            rx.vstack(
                rx.data_list.root(
                    detail_item("Payment id", mono(d["id"], custom_attrs=tid("detail-payment-id"))),
                    detail_item("Order id", mono(d["order_id"])),
                    detail_item("Amount", rx.text(d["amount"], custom_attrs=tid("detail-amount"))),
                    detail_item("Refunded", rx.text(d["refunded"], custom_attrs=tid("detail-refunded"))),
                    detail_item("Method", rx.text(d["method"], " · ", d["method_detail"])),
                    detail_item("Captured", d["captured"]),
                    detail_item("Created", d["created_at"]),
                    detail_item("Updated", d["updated_at"]),
                    rx.cond(d["error"] != "", detail_item("Error", rx.text(d["error"], color_scheme="red"))),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                    size="2",
                ),
                rx.separator(size="4"),
                detail_refunds(),
                rx.separator(size="4"),
                rx.cond(
                    TransactionsState.refund_notice != "",
                    info_callout(
                        TransactionsState.refund_notice,
                        icon="circle-check",
                        color="green",
                        custom_attrs=tid("refund-success"),
                    ),
                ),
                rx.cond(
                    TransactionsState.refundable_paise > 0,
                    refund_form(),
                    rx.text(
                        rx.cond(
                            d["status"] == "success",
                            "This payment is fully refunded.",
                            "Only successful payments can be refunded.",
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            max_width="44em",
            width="calc(100vw - 2em)",
            custom_attrs=tid("payment-detail"),
        ),
        open=TransactionsState.detail_open,
        on_open_change=TransactionsState.set_detail_open,
    )


def transactions_page() -> rx.Component:
    return dashboard_layout(
        page_header(
            "Transactions",
            "Every payment attempt. Click a row for details and refunds.",
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
        transactions_table(),
        detail_dialog(),
        current=routes.TRANSACTIONS,
    )


def register(app: rx.App) -> None:
    app.add_page(
        transactions_page,
        route=routes.TRANSACTIONS,
        title="Transactions · Paygate",
        on_load=[AuthState.check_login, TransactionsState.load],
    )
