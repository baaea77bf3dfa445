"""/dashboard/docs: integration guide with copy-ready snippets (your key and this server's URL)."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.ui import copy_button, info_callout, page_header, section_card, tid
from paygate_app.core.settings import settings
from paygate_app.state import AuthState

CREATE_ORDER = """curl -X POST {base}/api/v1/orders \\
  -H "Content-Type: application/json" \\
  -H "X-Api-Key: {key}" \\
  -H "X-Api-Secret: $PAYGATE_API_SECRET" \\
  -d '{{"amount": 50000, "currency": "INR", "receipt": "receipt_123"}}'

# 201 Created
# {{"id": "order_...", "amount": 50000, "currency": "INR", "status": "created", ...}}
# amount is in paise: 50000 = ₹500.00 (minimum 100)"""

SDK = """<script src="{base}/checkout.js"></script>
<script>
  // orderId comes from your server (POST /api/v1/orders); never put the API secret in a page.
  const checkout = new PaymentGateway({{
    key: "{key}",
    orderId: "order_...",
    onSuccess: (r) => console.log("paid", r.paymentId, r.orderId, r.status),
    onFailure: (e) => console.log("failed", e.paymentId, e.code, e.description),
    onClose: () => console.log("checkout closed"),
  }});
  checkout.open();   // checkout.close() closes it
</script>"""

WEBHOOK_PYTHON = """# Python (FastAPI): verify with Paygate's own helper before trusting the event.
import json

from fastapi import FastAPI, Request, Response
from paygate_app.core.webhooks.signing import WebhookVerificationError, verify

app = FastAPI()
WEBHOOK_SECRET = "whsec_..."  # Dashboard → Webhooks → Signing secret, used exactly as shown


@app.post("/webhooks/paygate")
async def paygate_webhook(request: Request) -> Response:
    body = await request.body()  # the raw bytes, before any JSON parsing
    try:
        # Checks X-Webhook-Signature (hex HMAC-SHA256 of the body) and the Standard Webhooks
        # webhook-id / webhook-timestamp / webhook-signature headers (5-minute replay window).
        verify(body, request.headers, WEBHOOK_SECRET)
    except WebhookVerificationError:
        return Response(status_code=400)
    event = json.loads(body)
    # event["event"] is e.g. "payment.success"; the same webhook-id arrives on every retry,
    # so use it to ignore duplicates.
    return Response(status_code=200)"""

WEBHOOK_NODE = """// Node.js (Express), no extra packages: verify both signatures over the raw body.
const crypto = require("crypto");
const express = require("express");

const app = express();
const SECRET = process.env.PAYGATE_WEBHOOK_SECRET; // "whsec_...": the whole string is the HMAC key

const safeEqual = (a, b) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

app.post("/webhooks/paygate", express.raw({ type: "application/json" }), (req, res) => {
  const body = req.body; // Buffer with the exact bytes Paygate signed

  // 1. X-Webhook-Signature: hex HMAC-SHA256 of the body.
  const hex = crypto.createHmac("sha256", SECRET).update(body).digest("hex");
  const hexOk = safeEqual(req.get("X-Webhook-Signature") || "", hex);

  // 2. Standard Webhooks: webhook-signature = "v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>".
  const id = req.get("webhook-id") || "";
  const timestamp = req.get("webhook-timestamp") || "";
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  const expected = crypto.createHmac("sha256", SECRET).update(signed).digest("base64");
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300; // reject replays
  const stdOk = fresh && (req.get("webhook-signature") || "").split(" ")
    .some((s) => s.startsWith("v1,") && safeEqual(s.slice(3), expected));

  if (!hexOk || !stdOk) return res.status(400).send("invalid signature");
  const event = JSON.parse(body.toString("utf8"));
  console.log(event.event, event.data);
  res.sendStatus(200); // any 2xx; anything else is retried (same webhook-id)
});

app.listen(4000);"""


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


def code_block(code: rx.Var | str, test_id: str, language: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(language, size="1", color_scheme="gray", weight="medium"),
            rx.spacer(),
            copy_button(code, "Copy code"),
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
                    "Test inputs: VPA ",
                    rx.code("failure@upi"),
                    " and card ",
                    rx.code("4000 0000 0000 0002"),
                    " always fail; in test mode any other valid VPA (",
                    rx.code("success@upi"),
                    ") or card (",
                    rx.code("4111 1111 1111 1111"),
                    ", any future expiry, any CVV) succeeds.",
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
                code_block(WEBHOOK_PYTHON, "code-snippet-webhook", "python"),
                code_block(WEBHOOK_NODE, "code-snippet-webhook-node", "javascript"),
                text(
                    "Using a Standard Webhooks library instead? Pass it ",
                    rx.code('"whsec_" + base64(secret bytes)'),
                    ": our key is the UTF-8 bytes of the whole secret string, prefix included.",
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
