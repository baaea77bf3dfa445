"""A minimal Paygate webhook receiver: the stock `standardwebhooks` library plus the standard library.

Run it next to Paygate (`pip install standardwebhooks`):

    PAYGATE_WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py
    # then set http://127.0.0.1:9000/webhook as your webhook URL (dashboard or
    # PUT /api/v1/webhooks/config) and press "Send test webhook".

Environment:

- `PAYGATE_WEBHOOK_SECRET` (required): your webhook secret, exactly as Paygate shows it (`whsec_...`).
- `WEBHOOK_RECEIVER_HOST` (default `127.0.0.1`) and `WEBHOOK_RECEIVER_PORT` (default `9000`).

Every delivery carries two independent signatures; this receiver checks both:

- Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with the stock
  library: it also refuses a `webhook-timestamp` more than 5 minutes off (replays);
- `X-Webhook-Signature`: hex HMAC-SHA256 of the raw body, keyed with the UTF-8 bytes of the whole
  secret string (`whsec_...` included) -- standard library only.

Always verify the raw bytes you received, before parsing JSON. Answer 2xx quickly; any
other status (or a timeout after 5 s) makes Paygate retry with the same `webhook-id`, so
treat that id as an idempotency key (this example remembers the ids it has processed).
Replying 410 Gone tells Paygate to stop retrying that event.

Events may arrive out of order (each is delivered and retried on its own). `sequence` is an
event's place in its payment's or refund's life (payment: created 1, pending 2, success or
failed 3; refund: created 1, processed 2): keep the highest one applied per object id and
ignore an event with a lower one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class InvalidSignature(Exception):
    pass


def stock_library_secret(secret: str) -> str:
    """Generated secrets (`whsec_` + base64) go to the library as they are. Only the seeded
    legacy `whsec_test_abc123` (its tail is not base64) is keyed with the whole string, which
    the library takes base64-wrapped."""
    try:
        base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        return secret
    except (binascii.Error, ValueError):
        return "whsec_" + base64.b64encode(secret.encode()).decode()


def verify_request(body: bytes, headers, secret: str) -> None:
    """Raise InvalidSignature unless both Paygate signatures match `body`."""
    get = {k.lower(): v for k, v in headers.items()}.get
    try:
        Webhook(stock_library_secret(secret)).verify(body, {k: get(k) or "" for k in _TRIO}, json_parse=False)
    except WebhookVerificationError as exc:
        raise InvalidSignature(f"webhook-signature: {exc}") from None
    expected_hex = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest((get("x-webhook-signature") or "").strip().lower().encode(), expected_hex.encode()):
        raise InvalidSignature("bad X-Webhook-Signature")


_TRIO = ("webhook-id", "webhook-timestamp", "webhook-signature")


class WebhookHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    secret = ""
    seen_ids: set[str] = set()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            verify_request(body, self.headers, self.secret)
        except InvalidSignature as exc:
            print(f"refused: {exc}", flush=True)
            self._reply(401, {"error": str(exc)})
            return
        msg_id = self.headers["webhook-id"]
        if msg_id in self.seen_ids:
            self._reply(200, {"received": True, "duplicate": True})
            return
        self.seen_ids.add(msg_id)
        event = json.loads(body)
        # Apply it only if event["sequence"] is higher than what you hold for that payment/refund.
        print(f"{event['event']} id={msg_id} data={json.dumps(event['data'])}", flush=True)
        self._reply(200, {"received": True})

    def _reply(self, status: int, content: dict) -> None:
        raw = json.dumps(content).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args) -> None:
        pass


def make_server(secret: str, host: str = "127.0.0.1", port: int = 9000) -> ThreadingHTTPServer:
    handler = type("ConfiguredWebhookHandler", (WebhookHandler,), {"secret": secret, "seen_ids": set()})
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    secret = os.environ.get("PAYGATE_WEBHOOK_SECRET")
    if not secret:
        raise SystemExit("Set PAYGATE_WEBHOOK_SECRET to your webhook secret (whsec_...)")
    host = os.environ.get("WEBHOOK_RECEIVER_HOST", "127.0.0.1")
    port = int(os.environ.get("WEBHOOK_RECEIVER_PORT", "9000"))
    server = make_server(secret, host, port)
    print(f"Listening on http://{host}:{port}/webhook", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
