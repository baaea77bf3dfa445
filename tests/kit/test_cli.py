"""`paygate trigger | webhooks tail | verify`, run as a subprocess against the live API server."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from tests.kit.live_kit import PAYGATE, Capture, Merchant, run_cli, set_webhook_url, spawn, stop


def _verify_args(secret: str, delivery) -> list[str]:
    h = delivery.headers
    return [
        "verify", "--secret", secret, "--id", h["webhook-id"], "--timestamp", h["webhook-timestamp"],
        "--signature", h["webhook-signature"], "--hex-signature", h["x-webhook-signature"],
    ]  # fmt: skip


def _one_line_error(result) -> str:
    assert result.returncode != 0
    assert result.stdout == b""
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_trigger_payment_success_sends_signed_event(api_url: str, merchant: Merchant, capture: Capture) -> None:
    result = run_cli("trigger", "payment.success", "--url", api_url, *merchant.cli_auth)

    assert result.returncode == 0, result.stderr
    assert b"triggered payment.success" in result.stdout
    delivery = capture.wait_for("payment.success")
    payload = Webhook(merchant.webhook_secret).verify(delivery.body, delivery.trio)
    assert payload["data"]["payment"]["status"] == "success"


def test_trigger_payment_failed_sends_failed_event(api_url: str, merchant: Merchant, capture: Capture) -> None:
    result = run_cli("trigger", "payment.failed", "--url", api_url, *merchant.cli_auth)

    assert result.returncode == 0, result.stderr
    payment = Webhook(merchant.webhook_secret).verify(*_body_trio(capture.wait_for("payment.failed")))["data"][
        "payment"
    ]
    assert (payment["status"], payment["error_code"]) == ("failed", "PAYMENT_FAILED")


def test_trigger_refund_processed_sends_refund_event(api_url: str, merchant: Merchant, capture: Capture) -> None:
    result = run_cli("trigger", "refund.processed", "--url", api_url, *merchant.cli_auth)

    assert result.returncode == 0, result.stderr
    refund = Webhook(merchant.webhook_secret).verify(*_body_trio(capture.wait_for("refund.processed")))["data"][
        "refund"
    ]
    assert refund["status"] == "processed"


def test_trigger_with_bad_credentials_fails_in_one_line(api_url: str) -> None:
    result = run_cli("trigger", "payment.success", "--url", api_url, "--merchant-key", "key_nope", "--secret", "x")
    assert "401" in _one_line_error(result)


def _body_trio(delivery) -> tuple[bytes, dict[str, str]]:
    return delivery.body, delivery.trio


def test_verify_accepts_captured_delivery(api_url: str, merchant: Merchant, capture: Capture) -> None:
    run_cli("trigger", "payment.success", "--url", api_url, *merchant.cli_auth)
    delivery = capture.wait_for("payment.success")

    result = run_cli(*_verify_args(merchant.webhook_secret, delivery), stdin=delivery.body)

    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith("ok: webhook-signature and X-Webhook-Signature verified")


def test_verify_refuses_tampered_body(api_url: str, merchant: Merchant, capture: Capture) -> None:
    run_cli("trigger", "payment.success", "--url", api_url, *merchant.cli_auth)
    delivery = capture.wait_for("payment.success")

    result = run_cli(*_verify_args(merchant.webhook_secret, delivery), stdin=delivery.body.replace(b"50000", b"90000"))

    assert "webhook-signature" in _one_line_error(result)


def test_verify_refuses_stale_timestamp(merchant: Merchant) -> None:
    body = json.dumps({"event": "payment.success", "timestamp": 1, "data": {}}).encode()
    stale = datetime.now(UTC) - timedelta(minutes=10)
    signature = Webhook(merchant.webhook_secret).sign("msg_stale", stale, body.decode())

    result = run_cli(
        "verify", "--secret", merchant.webhook_secret, "--id", "msg_stale",
        "--timestamp", str(int(stale.timestamp())), "--signature", signature, stdin=body,
    )  # fmt: skip

    assert "too old" in _one_line_error(result)


def test_verify_refuses_malformed_secret() -> None:
    result = run_cli("verify", "--secret", "not-a-secret", "--hex-signature", "00", stdin=b"{}")
    assert "malformed secret" in _one_line_error(result)


def test_verify_refuses_missing_headers(merchant: Merchant) -> None:
    result = run_cli("verify", "--secret", merchant.webhook_secret, stdin=b"{}")
    assert "missing headers" in _one_line_error(result)
    partial = run_cli("verify", "--secret", merchant.webhook_secret, "--id", "x", stdin=b"{}")
    assert "missing headers" in _one_line_error(partial)


def test_verify_seeded_legacy_secret(api_url: str, capture: Capture) -> None:
    seeded = Merchant("key_test_abc123", "secret_test_xyz789", "whsec_test_abc123")
    set_webhook_url(api_url, seeded, capture.url)
    response = httpx.post(f"{api_url}/api/v1/webhooks/test", headers=seeded.auth, timeout=10)
    assert response.status_code == 202, response.text
    delivery = capture.wait_for("webhook.test")

    result = run_cli(*_verify_args(seeded.webhook_secret, delivery), stdin=delivery.body)

    assert result.returncode == 0, result.stderr


def test_webhooks_tail_once_lists_deliveries_with_attempts(api_url: str, merchant: Merchant, capture: Capture) -> None:
    run_cli("trigger", "payment.success", "--url", api_url, *merchant.cli_auth)
    capture.wait_for("payment.success")
    deadline = time.monotonic() + 20
    while True:  # the list shows the attempt once its row is recorded
        result = run_cli("webhooks", "tail", "--once", "--url", api_url, *merchant.cli_auth)
        out = result.stdout.decode()
        if ("payment.success" in out and "attempt 1: response=200" in out) or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert result.returncode == 0, result.stderr
    assert "payment.created" in out and "payment.success" in out and "attempt 1: response=200" in out
    # each line names the payment and the event's place in its life (delivery order is not guaranteed)
    [success] = [line for line in out.splitlines() if "payment.success" in line]
    [created] = [line for line in out.splitlines() if "payment.created" in line]
    assert success.endswith(" seq=3") and created.endswith(" seq=1")
    assert success.split()[-2] == created.split()[-2] and success.split()[-2].startswith("pay_")


def test_webhooks_tail_follows_new_deliveries(api_url: str, merchant: Merchant, capture: Capture) -> None:
    proc, lines = spawn(
        [str(PAYGATE), "webhooks", "tail", "--interval", "0.2", "--url", api_url, *merchant.cli_auth],
        PYTHONUNBUFFERED="1",
    )
    try:
        run_cli("trigger", "refund.processed", "--url", api_url, *merchant.cli_auth)
        line = lines.wait_for("refund.processed", "success ")
        assert "attempts=1 response=200" in line
    finally:
        stop(proc)


def test_help_fits_a_terminal() -> None:
    for args in (["--help"], ["trigger", "--help"], ["webhooks", "tail", "--help"], ["verify", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0
        assert max(len(line) for line in result.stdout.decode().splitlines()) <= 80
