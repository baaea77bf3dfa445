"""Copy-ready snippets for /dashboard/docs (and run by tests/kit: they must verify and fail closed)."""

from __future__ import annotations

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

WEBHOOK_PYTHON = """# Python (FastAPI) with the stock Standard Webhooks library:  pip install standardwebhooks
import hashlib
import hmac
import os

from fastapi import FastAPI, Request, Response
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

app = FastAPI()
WEBHOOK_SECRET = os.environ["PAYGATE_WEBHOOK_SECRET"]  # "whsec_...", exactly as the dashboard shows it
webhook = Webhook(WEBHOOK_SECRET)


@app.post("/webhooks/paygate")
async def paygate_webhook(request: Request) -> Response:
    body = await request.body()  # the raw bytes, before any JSON parsing
    try:
        # webhook-id / webhook-timestamp / webhook-signature; refuses a timestamp
        # more than 5 minutes off (replays) and any missing header.
        event = webhook.verify(body, dict(request.headers))
    except WebhookVerificationError:
        return Response(status_code=400)
    # Optional second check: X-Webhook-Signature, hex HMAC-SHA256 of the body
    # keyed with the whole secret string (standard library only).
    expected = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    given = request.headers.get("x-webhook-signature", "").encode()
    if not hmac.compare_digest(given, expected.encode()):
        return Response(status_code=400)
    # event["event"] is e.g. "payment.success". The same webhook-id arrives on
    # every retry: use request.headers["webhook-id"] to ignore duplicates.
    # Events may arrive out of order: apply one only if event["sequence"] is
    # higher than the last you applied for that payment (or refund).
    return Response(status_code=200)"""

WEBHOOK_NODE = """// Node.js (Express) with the stock Standard Webhooks library:  npm install standardwebhooks
const crypto = require("node:crypto");
const express = require("express");
const { Webhook } = require("standardwebhooks");

const SECRET = process.env.PAYGATE_WEBHOOK_SECRET; // "whsec_...", exactly as the dashboard shows it
const webhook = new Webhook(SECRET);
const app = express();

app.post("/webhooks/paygate", express.raw({ type: "application/json" }), (req, res) => {
  const body = req.body; // Buffer with the exact bytes Paygate signed
  let event;
  try {
    // webhook-id / webhook-timestamp / webhook-signature; refuses stale timestamps (replays).
    event = webhook.verify(body, {
      "webhook-id": req.get("webhook-id") || "",
      "webhook-timestamp": req.get("webhook-timestamp") || "",
      "webhook-signature": req.get("webhook-signature") || "",
    });
  } catch (err) {
    return res.status(400).send("invalid signature");
  }
  // Optional second check: X-Webhook-Signature, hex HMAC-SHA256 of the body keyed with the whole secret.
  const hex = crypto.createHmac("sha256", SECRET).update(body).digest("hex");
  const given = Buffer.from(req.get("X-Webhook-Signature") || "");
  if (given.length !== hex.length || !crypto.timingSafeEqual(given, Buffer.from(hex))) {
    return res.status(400).send("invalid signature");
  }
  console.log(event.event, event.data);
  res.sendStatus(200); // any 2xx; anything else is retried (same webhook-id)
});

app.listen(4000);"""

WEBHOOK_HEX = """# X-Webhook-Signature with the standard library only (any language: HMAC-SHA256, hex).
import hashlib
import hmac


def paygate_signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    \"\"\"body: the raw request bytes; header: X-Webhook-Signature; secret: "whsec_..." as shown.\"\"\"
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest((header or "").strip().lower().encode(), expected.encode())"""

CLI = """# The paygate command (installed with Paygate): real signed events to your endpoint
paygate trigger payment.success --url {base} --merchant-key {key} --secret $PAYGATE_API_SECRET
paygate webhooks tail --url {base} --merchant-key {key} --secret $PAYGATE_API_SECRET
# check a delivery you captured (raw body on stdin, headers as options)
paygate verify --secret $PAYGATE_WEBHOOK_SECRET --id "$ID" --timestamp "$TS" \\
  --signature "$SIG" --hex-signature "$HEX" < body.json"""

# The seeded test merchant's legacy secret `whsec_test_abc123` (its tail is not base64) is keyed
# with its whole string; the stock libraries take that key base64-wrapped.
SEEDED_SECRET_FOR_LIBRARIES = "whsec_d2hzZWNfdGVzdF9hYmMxMjM="
