"""/dashboard/webhooks: endpoint URL, signing secret, test event, delivery logs with retry."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.badges import status_badge
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.paging import live_updates
from paygate_app.components.table import cell, data_table, pager
from paygate_app.components.ui import (
    copy_button,
    empty_state,
    error_callout,
    info_callout,
    loading_state,
    mono,
    page_header,
    section_card,
    tid,
)
from paygate_app.pages.webhooks_state import EVENTS, WebhooksState
from paygate_app.state import REVEALED_WEBHOOK_SECRET, AuthState


def config_card() -> rx.Component:
    return section_card(
        rx.hstack(rx.icon("webhook", size=18), rx.heading("Endpoint", size="4"), align="center"),
        rx.form(
            rx.vstack(
                rx.text("Webhook URL", as_="label", html_for="webhook_url", size="2", weight="medium"),
                rx.flex(
                    rx.input(
                        id="webhook_url",
                        name="webhook_url",
                        type="text",
                        input_mode="url",
                        auto_complete="url",
                        color_scheme=rx.cond(WebhooksState.url_error != "", "red", "gray"),
                        value=WebhooksState.webhook_url,
                        on_change=WebhooksState.set_webhook_url,
                        placeholder="https://example.com/webhooks/paygate",
                        max_length=2048,
                        flex="1",
                        min_width="0",
                        width=rx.breakpoints(initial="100%", sm="auto"),
                        custom_attrs=tid("webhook-url-input"),
                    ),
                    rx.hstack(
                        rx.button(
                            rx.cond(WebhooksState.saving, rx.spinner(size="1"), rx.icon("save", size=14)),
                            "Save",
                            type="submit",
                            disabled=WebhooksState.saving,
                            custom_attrs=tid("save-webhook-button"),
                        ),
                        rx.button(
                            rx.cond(WebhooksState.sending_test, rx.spinner(size="1"), rx.icon("send", size=14)),
                            "Send test event",
                            type="button",
                            variant="soft",
                            on_click=WebhooksState.send_test,
                            disabled=WebhooksState.sending_test,
                            custom_attrs=tid("test-webhook-button"),
                        ),
                        spacing="2",
                        flex_shrink="0",
                    ),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="2",
                    width="100%",
                ),
                rx.cond(
                    WebhooksState.url_error != "",
                    rx.text(
                        rx.icon("circle-alert", size=12),
                        " ",
                        WebhooksState.url_error,
                        size="1",
                        color_scheme="red",
                        custom_attrs=tid("webhook-url-error"),
                    ),
                ),
                rx.text(
                    "We POST events here (payment.*, refund.*). Leave it empty to stop sending.",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=WebhooksState.save,
            reset_on_submit=False,
            width="100%",
            custom_attrs=tid("webhook-config-form"),
        ),
        rx.separator(size="4"),
        rx.text("Signing secret", size="2", weight="medium"),
        rx.flex(
            mono(
                rx.cond(WebhooksState.secret_revealed, REVEALED_WEBHOOK_SECRET.value, WebhooksState.secret_masked),
                custom_attrs=tid("webhook-secret"),
            ),
            rx.hstack(
                rx.button(
                    rx.cond(WebhooksState.secret_revealed, rx.icon("eye-off", size=14), rx.icon("eye", size=14)),
                    rx.cond(WebhooksState.secret_revealed, "Hide", "Reveal"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=WebhooksState.toggle_secret,
                    custom_attrs=tid("reveal-webhook-secret-button"),
                ),
                rx.cond(
                    WebhooksState.secret_revealed,
                    copy_button(REVEALED_WEBHOOK_SECRET.value, "Copy secret", "copy-webhook-secret"),
                ),
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    "Regenerate",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=WebhooksState.regenerate_secret,
                    custom_attrs=tid("regenerate-secret-button"),
                ),
                spacing="2",
                align="center",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            align=rx.breakpoints(initial="start", sm="center"),
            width="100%",
        ),
        rx.text(
            "Verify X-Webhook-Signature (hex HMAC-SHA256 of the body) or the Standard Webhooks webhook-signature "
            "header with this secret. See API docs.",
            size="1",
            color_scheme="gray",
        ),
        error_callout(WebhooksState.config_error, "webhook-error"),
        rx.cond(
            WebhooksState.config_notice != "",
            info_callout(
                WebhooksState.config_notice, icon="circle-check", color="green", custom_attrs=tid("webhook-notice")
            ),
        ),
        custom_attrs=tid("webhook-config"),
    )


def log_table_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        cell(mono(row["event"]), "webhook-event"),
        rx.table.cell(
            rx.vstack(
                status_badge(row["status"], "webhook-status"),
                rx.cond(
                    row["retrying"] != "",
                    rx.text(row["retrying"], size="1", color_scheme="amber", custom_attrs=tid("webhook-retrying")),
                ),
                rx.cond(
                    row["last_error"] != "",
                    rx.text(
                        row["last_error"],
                        size="1",
                        color_scheme="red",
                        max_width="22em",
                        truncate=True,
                        custom_attrs=tid("webhook-last-error"),
                    ),
                ),
                spacing="1",
            ),
        ),
        cell(row["attempts"], "webhook-attempts", text_align="center"),
        cell(row["last_attempt"], "webhook-last-attempt"),
        cell(row["response_code"], "webhook-response-code"),
        rx.table.cell(
            rx.button(
                rx.icon("rotate-cw", size=14),
                "Retry",
                size="1",
                variant="soft",
                on_click=WebhooksState.retry(row["id"]).stop_propagation,
                custom_attrs=tid("retry-webhook-button"),
            ),
        ),
        on_click=WebhooksState.open_log(row["id"]),
        cursor="pointer",
        _hover={"background": rx.color("accent", 2)},
        custom_attrs=tid("webhook-log-item", **{"data-webhook-id": row["id"]}),
    )


def logs_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Deliveries", size="4"),
            rx.spacer(),
            rx.select.root(
                rx.select.trigger(custom_attrs=tid("event-filter"), min_width="11em"),
                rx.select.content(*[rx.select.item(label, value=key) for key, label in EVENTS]),
                value=WebhooksState.event_filter,
                on_change=WebhooksState.set_event_filter,
                size="1",
            ),
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Refresh",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=WebhooksState.refresh,
                custom_attrs=tid("refresh-button"),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(WebhooksState.error != "", info_callout(WebhooksState.error, icon="triangle-alert", color="red")),
        rx.cond(
            WebhooksState.loaded,
            rx.vstack(
                data_table(
                    ["Event", "Status", "Attempts", "Last attempt (UTC)", "Response", ""],
                    rx.table.body(rx.foreach(WebhooksState.logs, log_table_row)),
                    "webhook-logs-table",
                ),
                rx.cond(
                    WebhooksState.total == 0,
                    empty_state(
                        "inbox",
                        "No deliveries yet",
                        "Save a URL and send a test event, or make a payment: every event shows up here.",
                    ),
                    pager(
                        summary=WebhooksState.summary,
                        has_prev=WebhooksState.has_prev,
                        has_next=WebhooksState.has_next,
                        on_prev=WebhooksState.prev_page,
                        on_next=WebhooksState.next_page,
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            loading_state("Loading deliveries…"),
        ),
        spacing="3",
        width="100%",
    )


def detail_dialog() -> rx.Component:
    d = WebhooksState.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(d["event"], margin="0"),
                status_badge(d["status"]),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray", aria_label="Close")
                ),
                align="center",
                width="100%",
            ),
            rx.dialog.description(
                rx.text(
                    "Webhook id ", rx.code(d["id"]), " ", copy_button(d["id"], "Copy webhook id", "copy-webhook-id")
                ),
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="var(--space-3)",
            ),
            rx.vstack(
                rx.text("Attempts", weight="medium"),
                rx.cond(
                    WebhooksState.detail_attempts.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[rx.table.column_header_cell(h) for h in ("#", "Response", "Error", "Time", "At")]
                            )
                        ),
                        rx.table.body(
                            rx.foreach(
                                WebhooksState.detail_attempts,
                                lambda a: rx.table.row(
                                    rx.table.cell(a["attempt"]),
                                    rx.table.cell(a["response_code"]),
                                    rx.table.cell(rx.text(a["error"], color_scheme="red", size="1")),
                                    rx.table.cell(a["duration"], white_space="nowrap"),
                                    rx.table.cell(a["created_at"], white_space="nowrap"),
                                    custom_attrs=tid("webhook-attempt-row"),
                                ),
                            )
                        ),
                        size="1",
                        variant="surface",
                        width="100%",
                        custom_attrs=tid("webhook-attempts-table"),
                    ),
                    rx.text("Not attempted yet.", size="2", color_scheme="gray"),
                ),
                rx.cond(
                    d["status"] == "pending",
                    rx.text("Next attempt: ", d["next_retry"], size="2", color_scheme="gray"),
                ),
                rx.text("Payload", weight="medium"),
                rx.el.pre(
                    WebhooksState.detail_payload,
                    font_family="var(--code-font-family)",
                    font_size="12px",
                    background=rx.color("gray", 2),
                    border=f"1px solid {rx.color('gray', 5)}",
                    border_radius="6px",
                    padding="0.75em",
                    max_height="16em",
                    overflow="auto",
                    white_space="pre",
                    width="100%",
                    custom_attrs=tid("webhook-payload"),
                ),
                rx.hstack(
                    rx.spacer(),
                    rx.button(
                        rx.icon("rotate-cw", size=14),
                        "Retry now",
                        on_click=WebhooksState.retry(d["id"]),
                        custom_attrs=tid("detail-retry-webhook-button"),
                    ),
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="44em",
            width="calc(100vw - 2em)",
            custom_attrs=tid("webhook-detail"),
        ),
        open=WebhooksState.detail_open,
        on_open_change=WebhooksState.set_detail_open,
    )


def webhooks_page() -> rx.Component:
    return dashboard_layout(
        page_header("Webhooks", "Where we send events, how they are signed, and how each delivery went."),
        config_card(),
        logs_section(),
        detail_dialog(),
        live_updates(WebhooksState.tick),
        current=routes.WEBHOOKS,
    )


def register(app: rx.App) -> None:
    app.add_page(
        webhooks_page,
        route=routes.WEBHOOKS,
        title="Webhooks · Paygate",
        on_load=[AuthState.check_login, WebhooksState.load],
    )
