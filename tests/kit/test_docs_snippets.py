"""The dashboard's Python webhook snippet, run as a merchant would, against real deliveries: it
verifies with the stock library and fails closed on tampering, replays and missing headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from paygate_app.pages.docs_snippets import SEEDED_SECRET_FOR_LIBRARIES, WEBHOOK_HEX, WEBHOOK_PYTHON
from tests.kit.live_kit import Capture, Delivery, Merchant


def _merchant_app(secret: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PAYGATE_WEBHOOK_SECRET", secret)
    namespace: dict = {}
    exec(compile(WEBHOOK_PYTHON, "docs-snippet", "exec"), namespace)
    return namespace["app"]


def _real_delivery(api_url: str, merchant: Merchant, capture: Capture) -> Delivery:
    response = httpx.post(f"{api_url}/api/v1/webhooks/test", headers=merchant.auth, timeout=10)
    assert response.status_code == 202, response.text
    return capture.wait_for("webhook.test")


async def _post(app, body: bytes, headers: dict[str, str]) -> int:
    headers = {k: v for k, v in headers.items() if k not in ("content-length", "host")}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://merchant.test") as client:
        return (await client.post("/webhooks/paygate", content=body, headers=headers)).status_code


async def test_docs_python_snippet_accepts_real_delivery(
    api_url: str, merchant: Merchant, capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = _real_delivery(api_url, merchant, capture)
    app = _merchant_app(merchant.webhook_secret, monkeypatch)
    assert await _post(app, delivery.body, delivery.headers) == 200


async def test_docs_python_snippet_fails_closed(
    api_url: str, merchant: Merchant, capture: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    delivery = _real_delivery(api_url, merchant, capture)
    app = _merchant_app(merchant.webhook_secret, monkeypatch)
    tampered = delivery.body.replace(b"webhook.test", b"payment.success")
    assert await _post(app, tampered, delivery.headers) == 400
    assert await _post(app, delivery.body, {"content-type": "application/json"}) == 400
    no_hex = {k: v for k, v in delivery.headers.items() if k != "x-webhook-signature"}
    assert await _post(app, delivery.body, no_hex) == 400
    stale_at = datetime.now(UTC) - timedelta(minutes=10)
    stale = {
        **delivery.headers,
        "webhook-timestamp": str(int(stale_at.timestamp())),
        "webhook-signature": Webhook(merchant.webhook_secret).sign(
            delivery.headers["webhook-id"], stale_at, delivery.body.decode()
        ),
    }
    assert await _post(app, delivery.body, stale) == 400


def test_docs_hex_snippet_checks_x_webhook_signature(api_url: str, merchant: Merchant, capture: Capture) -> None:
    delivery = _real_delivery(api_url, merchant, capture)
    namespace: dict = {}
    exec(compile(WEBHOOK_HEX, "docs-snippet", "exec"), namespace)
    ok = namespace["paygate_signature_ok"]
    header = delivery.headers["x-webhook-signature"]
    assert ok(delivery.body, header, merchant.webhook_secret)
    assert not ok(delivery.body + b" ", header, merchant.webhook_secret)
    assert not ok(delivery.body, None, merchant.webhook_secret)
    assert not ok(delivery.body, "é" * 64, merchant.webhook_secret)


def test_docs_seeded_secret_for_libraries_is_the_whole_string() -> None:
    assert Webhook(SEEDED_SECRET_FOR_LIBRARIES)._whsecret == b"whsec_test_abc123"
