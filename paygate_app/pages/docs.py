"""/dashboard/docs: integration guide with copy-ready snippets (your key and this server's URL)."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.ui import copy_button, info_callout, page_header, section_card, tid
from paygate_app.core.processor import PENDING_HOLD_MS, TEST_CARDS, TEST_VPAS, TestInput
from paygate_app.core.settings import settings
from paygate_app.pages.docs_snippets import (
    CLI,
    CREATE_ORDER,
    SDK,
    SEEDED_SECRET_FOR_LIBRARIES,
    WEBHOOK_HEX,
    WEBHOOK_NODE,
    WEBHOOK_PYTHON,
)
from paygate_app.state import AuthState


class DocsState(AuthState):
    base_url: str = ""

    @rx.event
    def load(self):
        origin = self.router.url.origin
        self.base_url = settings.paygate_public_url.rstrip("/") or (
            origin if origin and origin != "://" else f"http://localhost:{settings.paygate_port}"
        )

    @rx.var
    def snippet_create_order(self) -> str:
        return CREATE_ORDER.format(base=self.base_url, key=self.api_key or "key_...")

    @rx.var
    def snippet_sdk(self) -> str:
        return SDK.format(base=self.base_url, key=self.api_key or "key_...")

    @rx.var
    def snippet_cli(self) -> str:
        return CLI.format(base=self.base_url, key=self.api_key or "key_...")


def code_block(code: rx.Var | str, test_id: str, language: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(language, size="1", color_scheme="gray", weight="medium"),
            rx.spacer(),
            copy_button(code, "Copy code", "copy-code"),
            align="center",
            width="100%",
            padding_x="0.75em",
            padding_y="0.4em",
            border_bottom=f"1px solid {rx.color('gray', 5)}",
        ),
        rx.el.pre(
            rx.el.code(code),
            font_family="var(--code-font-family)",
            font_size="12.5px",
            line_height="1.55",
            padding="0.9em",
            margin="0",
            overflow_x="auto",
            white_space="pre",
            custom_attrs=tid(test_id),
        ),
        background=rx.color("gray", 2),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="8px",
        width="100%",
        max_width="100%",
        overflow="hidden",
    )


def doc_section(test_id: str, title: str, icon: str, *children: rx.Component) -> rx.Component:
    return section_card(
        rx.hstack(rx.icon(icon, size=18), rx.heading(title, size="4"), align="center"),
        *children,
        id=test_id,
        custom_attrs=tid(test_id),
    )


def text(*parts, **props) -> rx.Component:
    return rx.text(*parts, size="2", **props)


def _input_row(kind: str, value: str, test: TestInput) -> rx.Component:
    return rx.table.row(
        rx.table.cell(kind),
        rx.table.cell(rx.code(value)),
        rx.table.cell(test.simulates),
        rx.table.cell(rx.code(test.outcome if test.outcome != "pending" else "pending → success")),
        rx.table.cell(rx.code(test.error_code) if test.error_code else "—"),
        rx.table.cell(test.error_description or "—"),
        custom_attrs=tid("test-input-row"),
    )


def test_inputs_table() -> rx.Component:
    rows = [_input_row("card", number, test) for number, test in TEST_CARDS.items()]
    rows += [_input_row("UPI", vpa, test) for vpa, test in TEST_VPAS.items()]
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("method", "input", "simulates", "final status", "error_code", "error_description")
                    ]
                )
            ),
            rx.table.body(*rows),
            size="1",
            custom_attrs=tid("test-inputs-table"),
        ),
        overflow_x="auto",
        width="100%",
    )


def docs_page() -> rx.Component:
    return dashboard_layout(
        rx.vstack(
            page_header("API docs", "Everything you need to take a test payment end to end."),
            info_callout(
                rx.text(
                    "Authenticate server-side calls with the ",
                    rx.code("X-Api-Key"),
                    " and ",
                    rx.code("X-Api-Secret"),
                    " headers (your key is filled in below; the secret was shown once on the Overview page). "
                    "Amounts are integers in paise. Full reference: ",
                    rx.link("/docs", href="/docs", is_external=True),
                    ".",
                ),
                icon="key-round",
            ),
            doc_section(
                "section-create-order",
                "1. Create an order (server-side)",
                "file-plus",
                text("Create one order per checkout on your server. Keep the secret out of browsers."),
                code_block(DocsState.snippet_create_order, "code-snippet-create-order", "bash"),
            ),
            doc_section(
                "section-sdk-integration",
                "2. Open the checkout (SDK)",
                "credit-card",
                text(
                    "Load ",
                    rx.code("checkout.js"),
                    " and open the modal with your public key and the order id. Confirm the payment on your "
                    "server (webhook or GET /api/v1/payments/{id}) before fulfilling.",
                ),
                code_block(DocsState.snippet_sdk, "code-snippet-sdk", "html"),
                text(
                    "To force an outcome (decline, insufficient funds, a payment that stays pending...), "
                    "use the test inputs below.",
                    color_scheme="gray",
                ),
            ),
            doc_section(
                "section-webhook-verification",
                "3. Verify webhooks",
                "shield-check",
                text(
                    "Every delivery is signed twice with your webhook secret: ",
                    rx.code("X-Webhook-Signature"),
                    " is the hex HMAC-SHA256 of the raw body, and the Standard Webhooks headers ",
                    rx.code("webhook-id"),
                    ", ",
                    rx.code("webhook-timestamp"),
                    " and ",
                    rx.code("webhook-signature"),
                    " sign ",
                    rx.code("{id}.{timestamp}.{body}"),
                    " so you can reject replays. Verify the raw bytes before parsing JSON and answer 2xx "
                    "within 5 s; failures are retried (same webhook-id) for about 2.5 hours.",
                ),
                text(
                    "Events are not guaranteed to arrive in order (a retried event comes after later ones). ",
                    rx.code("sequence"),
                    " is each event's place in its payment's life (created 1, pending 2, success or failed 3) "
                    "or its refund's (created 1, processed 2): apply an event only if its sequence is higher "
                    "than the last one you applied for that object.",
                ),
                code_block(WEBHOOK_PYTHON, "code-snippet-webhook", "python"),
                code_block(WEBHOOK_NODE, "code-snippet-webhook-node", "javascript"),
                code_block(WEBHOOK_HEX, "code-snippet-webhook-hex", "python"),
                text(
                    "Stock Standard Webhooks libraries (Python, Node, Go...) take the secret exactly as shown: "
                    "the key is the base64 part after ",
                    rx.code("whsec_"),
                    ". Only the seeded test merchant's legacy ",
                    rx.code("whsec_test_abc123"),
                    " is keyed with its whole string; give libraries ",
                    rx.code(SEEDED_SECRET_FOR_LIBRARIES),
                    " for it (or regenerate the secret).",
                    color_scheme="gray",
                ),
            ),
            doc_section(
                "section-testing",
                "4. Testing",
                "flask-conical",
                text(
                    "These inputs force an outcome. Failures apply in any mode; success and the pending hold "
                    f"in test mode (a pending input stays pending {PENDING_HOLD_MS // 1000} s, then succeeds). "
                    "Any other valid input follows TEST_PAYMENT_SUCCESS. Cards take any future expiry and CVV.",
                ),
                test_inputs_table(),
                text(
                    "Card numbers are never stored: the bank decides a test card's outcome from its network and "
                    "last 4 digits, so in test mode any Visa ending 4242 or 0259 succeeds.",
                    color_scheme="gray",
                ),
                text("Send real signed events to your endpoint from a terminal:"),
                code_block(DocsState.snippet_cli, "code-snippet-cli", "bash"),
            ),
            doc_section(
                "section-capture",
                "5. Capture and refunds",
                "hand-coins",
                text(
                    "A successful payment has taken the shopper's money; ",
                    rx.code("captured"),
                    " stays ",
                    rx.code("false"),
                    " until you confirm you are keeping it (you shipped the order). Capture it with ",
                    rx.code("POST /api/v1/payments/{id}/capture"),
                    " (no amount, or exactly the payment amount: there is no partial capture) or with the Capture "
                    "button in a payment's details on the Transactions page. Only a successful, not yet captured "
                    "payment can be captured; anything else answers 400.",
                ),
                text(
                    "Refunds do not need a capture: any successful payment can be refunded, in parts, up to its "
                    "amount. Its status stays ",
                    rx.code("success"),
                    "; ",
                    rx.code("amount_refunded"),
                    " and ",
                    rx.code("refund_status"),
                    " (partial / full) say how much went back, and the dashboard shows Refunded or Partially "
                    "refunded beside the status.",
                    color_scheme="gray",
                ),
            ),
            spacing="5",
            width="100%",
            custom_attrs=tid("api-docs"),
        ),
        current=routes.DOCS,
    )


def register(app: rx.App) -> None:
    app.add_page(
        docs_page,
        route=routes.DOCS,
        title="API docs · Paygate",
        on_load=[AuthState.check_login, DocsState.load],
    )
