"""The payment dialog of /dashboard/transactions: details, refunds, a two-step refund and Capture."""

from __future__ import annotations

import reflex as rx

from paygate_app.components.badges import refund_badge, status_badge
from paygate_app.components.paging import live_updates
from paygate_app.components.ui import copy_button, error_callout, info_callout, mono, tid
from paygate_app.pages.payment_detail_state import PaymentDetailState as S


def detail_item(label: str, value: rx.Component | rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="8em"), rx.data_list.value(value))


def refund_confirmation() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "Refund ",
            rx.text.strong(S.refund_confirm_text, custom_attrs=tid("refund-confirm-amount")),
            " of payment ",
            rx.code(S.detail["id"], variant="ghost"),
            " to the shopper? This cannot be undone.",
        ),
        rx.hstack(
            rx.button(
                rx.cond(S.refund_submitting, rx.spinner(size="1"), rx.icon("undo-2", size=14)),
                "Confirm refund",
                color_scheme="red",
                type="button",
                disabled=S.refund_submitting,
                on_click=S.confirm_refund,
                custom_attrs=tid("refund-confirm-button"),
            ),
            rx.button(
                "Back",
                variant="soft",
                color_scheme="gray",
                type="button",
                on_click=S.cancel_refund,
                custom_attrs=tid("refund-cancel-button"),
            ),
            spacing="2",
        ),
        color_scheme="amber",
        size="1",
        width="100%",
        custom_attrs=tid("refund-confirm"),
    )


def refund_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Refund this payment", weight="medium", size="3"),
            rx.text(
                "Amount in rupees (₹), up to ",
                rx.text.strong(S.refundable_text),
                " remaining. It defaults to the full remaining amount.",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.input(
                    rx.input.slot("₹"),
                    value=S.refund_amount,
                    on_change=S.set_refund_amount,
                    input_mode="decimal",
                    placeholder="0.00",
                    aria_label="Refund amount in rupees",
                    width=rx.breakpoints(initial="100%", sm="10em"),
                    custom_attrs=tid("refund-amount-input"),
                ),
                rx.input(
                    value=S.refund_reason,
                    on_change=S.set_refund_reason,
                    placeholder="Reason (optional)",
                    aria_label="Refund reason",
                    max_length=255,
                    flex_grow="1",
                    width=rx.breakpoints(initial="100%", sm="auto"),
                    custom_attrs=tid("refund-reason-input"),
                ),
                rx.button(
                    rx.icon("undo-2", size=14),
                    "Refund…",
                    type="submit",
                    color_scheme="red",
                    variant="soft",
                    disabled=S.refund_confirming,
                    custom_attrs=tid("refund-submit-button"),
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="2",
                width="100%",
            ),
            rx.cond(S.refund_confirming, refund_confirmation()),
            error_callout(S.refund_error, "refund-error"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.review_refund,
        reset_on_submit=False,
        width="100%",
        custom_attrs=tid("refund-form"),
    )


def capture_section() -> rx.Component:
    return rx.cond(
        S.capturable,
        rx.vstack(
            rx.hstack(
                rx.text("Not captured yet.", size="2"),
                rx.cond(
                    S.capture_confirming,
                    rx.hstack(
                        rx.text("Capture ", rx.text.strong(S.detail["amount"]), "?", size="2"),
                        rx.button(
                            rx.cond(S.capturing, rx.spinner(size="1"), rx.icon("check", size=14)),
                            "Confirm capture",
                            size="1",
                            disabled=S.capturing,
                            on_click=S.confirm_capture,
                            custom_attrs=tid("capture-confirm-button"),
                        ),
                        rx.button("Back", size="1", variant="soft", color_scheme="gray", on_click=S.cancel_capture),
                        align="center",
                        spacing="2",
                    ),
                    rx.button(
                        rx.icon("hand-coins", size=14),
                        "Capture…",
                        size="1",
                        variant="soft",
                        on_click=S.ask_capture,
                        custom_attrs=tid("capture-button"),
                    ),
                ),
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            error_callout(S.capture_error, "capture-error"),
            spacing="2",
            width="100%",
        ),
    )


def refunds_of_payment() -> rx.Component:
    return rx.vstack(
        rx.text("Refunds", weight="medium", size="3"),
        rx.cond(
            S.detail_refunds.length() > 0,
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
                        S.detail_refunds,
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
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("Payment", margin="0"),
                status_badge(d["status"], "detail-status"),
                refund_badge(d["refund_badge"], "detail-refund-badge"),
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
                "Payment details, refunds, capture and a refund form.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="var(--space-3)",
            ),
            rx.vstack(
                rx.data_list.root(
                    detail_item(
                        "Payment id",
                        rx.hstack(
                            mono(d["id"], custom_attrs=tid("detail-payment-id")),
                            copy_button(d["id"], "Copy payment id", "copy-payment-id"),
                            align="center",
                        ),
                    ),
                    detail_item(
                        "Order id",
                        rx.hstack(mono(d["order_id"]), copy_button(d["order_id"], "Copy order id", "copy-order-id")),
                    ),
                    detail_item("Amount", rx.text(d["amount"], custom_attrs=tid("detail-amount"))),
                    detail_item("Refunded", rx.text(d["refunded"], custom_attrs=tid("detail-refunded"))),
                    detail_item("Method", rx.text(d["method"], " · ", d["method_detail"])),
                    detail_item("Captured", rx.text(d["captured"], custom_attrs=tid("detail-captured"))),
                    detail_item("Created", d["created_at"]),
                    detail_item("Updated", d["updated_at"]),
                    rx.cond(d["error"] != "", detail_item("Error", rx.text(d["error"], color_scheme="red"))),
                    orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                    size="2",
                ),
                capture_section(),
                rx.cond(
                    S.capture_notice != "",
                    info_callout(
                        S.capture_notice, icon="circle-check", color="green", custom_attrs=tid("capture-success")
                    ),
                ),
                rx.separator(size="4"),
                refunds_of_payment(),
                rx.separator(size="4"),
                rx.cond(
                    S.refund_notice != "",
                    info_callout(
                        S.refund_notice, icon="circle-check", color="green", custom_attrs=tid("refund-success")
                    ),
                ),
                rx.cond(
                    S.refundable_paise > 0,
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
                live_updates(S.tick),
                spacing="4",
                width="100%",
            ),
            max_width="44em",
            width="calc(100vw - 2em)",
            custom_attrs=tid("payment-detail"),
        ),
        open=S.detail_open,
        on_open_change=S.set_detail_open,
    )
