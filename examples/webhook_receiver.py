"""A minimal Paygate webhook receiver (standard library only) that verifies both signatures.

Run it next to Paygate:

    PAYGATE_WEBHOOK_SECRET=whsec_test_abc123 python examples/webhook_receiver.py
    # then set http://127.0.0.1:9000/webhook as your webhook URL (dashboard or
    # PUT /api/v1/webhooks/config) and press "Send test webhook".

Environment:

- `PAYGATE_WEBHOOK_SECRET` (required): your webhook secret, exactly as Paygate shows it
  (`whsec_...`). The HMAC key is the UTF-8 bytes of that whole string.
- `WEBHOOK_RECEIVER_HOST` (default `127.0.0.1`) and `WEBHOOK_RECEIVER_PORT` (default `9000`).

Every delivery carries two independent signatures; this receiver checks both:

- `X-Webhook-Signature`: hex HMAC-SHA256 of the raw body;
- Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`,
  with `webhook-timestamp` (unix seconds) checked against a 5-minute window to stop replays.

Always verify the raw bytes you received, before parsing JSON. Answer 2xx quickly; any
other status (or a timeout after 5 s) makes Paygate retry with the same `webhook-id`, so
treat that id as an idempotency key (this example remembers the ids it has processed).
Replying 410 Gone tells Paygate to stop retrying that event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    pass


def verify_request(
    body: bytes, headers, secret: str, *, tolerance: int = TOLERANCE_SECONDS, now: int | None = None
) -> None:
    """Raise InvalidSignature unless both Paygate signatures match `body`."""
    key = secret.encode("utf-8")
    get = {k.lower(): v for k, v in headers.items()}.get

    hex_sig = get("x-webhook-signature", "")
    expected_hex = hmac.new(key, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(hex_sig.strip().lower().encode(), expected_hex.encode()):
        raise InvalidSignature("bad X-Webhook-Signature")

    msg_id, timestamp, signatures = get("webhook-id"), get("webhook-timestamp"), get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise InvalidSignature("missing webhook-id / webhook-timestamp / webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise InvalidSignature("bad webhook-timestamp") from None
    if abs((int(time.time()) if now is None else now) - sent_at) > tolerance:
        raise InvalidSignature("webhook-timestamp outside the tolerance window (replay?)")
    signed = f"{msg_id}.{sent_at}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise InvalidSignature("bad webhook-signature")


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
            self._reply(401, {"error": str(exc)})
            return
        msg_id = self.headers["webhook-id"]
        if msg_id in self.seen_ids:
            self._reply(200, {"received": True, "duplicate": True})
            return
        self.seen_ids.add(msg_id)
        event = json.loads(body)
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
