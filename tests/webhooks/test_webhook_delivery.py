"""deliver_webhook / due_webhook_ids against a real receiver, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import orjson
import pytest
from standardwebhooks.webhooks import Webhook
from webhook_support import MerchantInfo, Receiver, free_port, make_events, make_merchant

from paygate_app.core.db import Database, utcnow
from paygate_app.core.settings import settings
from paygate_app.core.webhooks import config, delivery
from paygate_app.core.webhooks.delivery import deliver_webhook, due_webhook_ids, retry_webhook
from paygate_app.core.webhooks.logs import get_log
from paygate_app.core.webhooks.signing import verify

pytestmark = pytest.mark.asyncio


async def _log(db: Database, log_id: str) -> dict:
    row = await db.fetch_one("SELECT * FROM webhook_logs WHERE id = :id", {"id": log_id})
    assert row is not None
    return row


async def _attempts(db: Database, log_id: str) -> list[dict]:
    return await db.fetch_all("SELECT * FROM webhook_attempts WHERE log_id = :id ORDER BY attempt", {"id": log_id})


async def _drive(log_id: str, *, until: set[str], db: Database, within: float = 10.0) -> dict:
    """Poll like the sweeper: deliver whenever the log shows up as due, until it settles."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if log_id in await due_webhook_ids(limit=100):
            await deliver_webhook(log_id)
        row = await _log(db, log_id)
        if row["status"] in until:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"log {log_id} did not reach {until}")


def _sw(secret: str) -> Webhook:
    """The stock library, given the secret exactly as the dashboard shows it."""
    return Webhook(secret)


async def test_deliver_webhook_2xx_marks_success_with_one_attempt(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    [log_id] = await make_events(db, merchant.id)

    assert await deliver_webhook(log_id) == "success"

    row = await _log(db, log_id)
    assert (row["status"], row["attempts"], row["response_code"]) == ("success", 1, 200)
    assert row["next_retry_at"] is None and row["claimed_until"] is None
    assert row["last_attempt_at"] is not None
    [attempt] = await _attempts(db, log_id)
    assert (attempt["attempt"], attempt["response_code"], attempt["error"]) == (1, 200, None)
    assert attempt["response_body"] == '{"ok": true}'
    assert attempt["duration_ms"] >= 0
    [request] = receiver.requests
    assert request.body == row["payload"].encode()
    assert request.headers["Content-Type"] == "application/json"


async def test_deliver_webhook_headers_verify_with_both_libraries(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    [log_id] = await make_events(db, merchant.id)
    await deliver_webhook(log_id)

    [request] = receiver.requests
    assert request.headers["webhook-id"] == log_id
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    verify(request.body, request.headers, merchant.webhook_secret)
    standard = {k: v for k, v in request.headers.items() if k.lower().startswith("webhook-")}
    assert _sw(merchant.webhook_secret).verify(request.body, standard)["event"] == "payment.success"


async def test_deliver_webhook_fails_twice_then_succeeds_with_same_id(
    db: Database, receiver: Receiver, merchant: MerchantInfo, fast_schedule: list[float]
) -> None:
    receiver.script.extend([500, 503])
    [log_id] = await make_events(db, merchant.id)

    row = await _drive(log_id, until={"success", "failed"}, db=db)

    assert (row["status"], row["attempts"], row["response_code"]) == ("success", 3, 200)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [log_id] * 3
    assert len({r.body for r in receiver.requests}) == 1
    attempts = await _attempts(db, log_id)
    assert [(a["attempt"], a["response_code"]) for a in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert attempts[0]["error"] == "HTTP 500"
    gaps = [b.at - a.at for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)]
    for gap, wait in zip(gaps, fast_schedule[1:3], strict=True):
        assert wait <= gap < wait + 0.5, (gaps, fast_schedule)


async def test_deliver_webhook_failure_schedules_next_attempt_from_test_schedule(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    assert settings.webhook_retry_schedule == [0, 5, 10, 15, 20]
    receiver.default_status = 500
    [log_id] = await make_events(db, merchant.id)

    before = utcnow()
    assert await deliver_webhook(log_id) == "pending"
    after = utcnow()

    row = await _log(db, log_id)
    assert (row["status"], row["attempts"], row["response_code"]) == ("pending", 1, 500)
    assert before + timedelta(seconds=5) <= row["next_retry_at"] <= after + timedelta(seconds=5)
    # Not due yet: neither the sweeper query nor a stray job sends it early.
    assert log_id not in await due_webhook_ids(limit=100)
    assert await deliver_webhook(log_id) is None
    assert receiver.count == 1

    # Second failure: the next wait is schedule[2] = 10 s, counted from the end of the attempt.
    await db.execute("UPDATE webhook_logs SET next_retry_at = :t WHERE id = :id", {"t": utcnow(), "id": log_id})
    assert await deliver_webhook(log_id) == "pending"
    row = await _log(db, log_id)
    delay = (row["next_retry_at"] - row["last_attempt_at"]).total_seconds()
    assert row["attempts"] == 2 and 10 <= delay < 11


async def test_deliver_webhook_receiver_down_fails_after_five_then_manual_retry_delivers(
    db: Database, fast_schedule: list[float]
) -> None:
    port = free_port()
    merchant = await make_merchant(db, webhook_url=f"http://127.0.0.1:{port}/hook")
    [log_id] = await make_events(db, merchant.id)

    row = await _drive(log_id, until={"success", "failed"}, db=db)

    assert (row["status"], row["attempts"], row["next_retry_at"]) == ("failed", 5, None)
    attempts = await _attempts(db, log_id)
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5]
    assert all(a["response_code"] is None and a["error"] for a in attempts)

    receiver = Receiver(port)
    try:
        await retry_webhook(log_id, merchant.id)
        row = await _log(db, log_id)
        assert (row["status"], row["attempts"], row["claimed_until"]) == ("pending", 0, None)
        assert await deliver_webhook(log_id) == "success"
    finally:
        receiver.stop()

    [request] = receiver.requests
    assert request.headers["webhook-id"] == log_id
    assert request.body == row["payload"].encode()
    detail = await get_log(log_id, merchant.id)
    assert (detail["status"], detail["attempts"]) == ("success", 1)
    assert [a["attempt"] for a in detail["attempt_history"]] == [1, 2, 3, 4, 5, 6]
    assert detail["attempt_history"][-1]["response_code"] == 200


async def test_deliver_webhook_concurrent_deliverers_send_once(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    receiver.delay = 0.2
    [log_id] = await make_events(db, merchant.id)

    results = await asyncio.gather(deliver_webhook(log_id), deliver_webhook(log_id))

    assert sorted(results, key=str) == [None, "success"]
    assert receiver.count == 1
    assert len(await _attempts(db, log_id)) == 1


async def test_deliver_webhook_live_claim_is_skipped(db: Database, receiver: Receiver, merchant: MerchantInfo) -> None:
    [log_id] = await make_events(db, merchant.id)
    await db.execute(
        "UPDATE webhook_logs SET claimed_until = :t WHERE id = :id",
        {"t": utcnow() + timedelta(seconds=30), "id": log_id},
    )

    assert log_id not in await due_webhook_ids(limit=100)
    assert await deliver_webhook(log_id) is None
    assert receiver.count == 0


async def test_deliver_webhook_expired_claim_is_redelivered(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    [log_id] = await make_events(db, merchant.id)
    await db.execute(
        "UPDATE webhook_logs SET claimed_until = :t WHERE id = :id",
        {"t": utcnow() - timedelta(seconds=1), "id": log_id},
    )

    assert log_id in await due_webhook_ids(limit=100)
    assert await deliver_webhook(log_id) == "success"


async def test_deliver_webhook_410_marks_failed_immediately(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    receiver.default_status = 410
    [log_id] = await make_events(db, merchant.id)

    assert await deliver_webhook(log_id) == "failed"

    row = await _log(db, log_id)
    assert (row["status"], row["attempts"], row["response_code"], row["next_retry_at"]) == ("failed", 1, 410, None)
    [attempt] = await _attempts(db, log_id)
    assert "410" in attempt["error"] and "Gone" in attempt["error"]
    merchant_row = await db.fetch_one("SELECT webhook_url FROM merchants WHERE id = :id", {"id": merchant.id})
    assert merchant_row["webhook_url"] == receiver.url


async def test_deliver_webhook_redirect_not_followed(db: Database, receiver: Receiver, merchant: MerchantInfo) -> None:
    receiver.default_status = 302
    [log_id] = await make_events(db, merchant.id)

    assert await deliver_webhook(log_id) == "pending"

    assert receiver.count == 1
    assert (await _log(db, log_id))["response_code"] == 302


async def test_private_address_is_refused_when_the_connection_opens(
    db: Database, receiver: Receiver, merchant: MerchantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL was saved while it resolved elsewhere (or while allowed); delivery checks again,
    in test mode too."""
    monkeypatch.setattr(settings, "test_mode", True)
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    [log_id] = await make_events(db, merchant.id)

    assert await deliver_webhook(log_id) == "pending"

    assert receiver.count == 0
    [attempt] = await _attempts(db, log_id)
    assert attempt["response_code"] is None and attempt["error"].startswith("Refused: ")
    assert "loopback, private or reserved" in attempt["error"]


async def test_deliver_webhook_timeout_recorded_as_failed_attempt(
    db: Database, receiver: Receiver, merchant: MerchantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "webhook_timeout", 0.3)
    receiver.delay = 1.0
    [log_id] = await make_events(db, merchant.id)

    started = time.monotonic()
    assert await deliver_webhook(log_id) == "pending"

    assert time.monotonic() - started < 1.0
    [attempt] = await _attempts(db, log_id)
    assert attempt["response_code"] is None and "Timed out" in attempt["error"]


async def test_deliver_webhook_response_body_truncated_to_2kib(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    receiver.reply_body = b"x" * 10_000
    [log_id] = await make_events(db, merchant.id)

    await deliver_webhook(log_id)

    [attempt] = await _attempts(db, log_id)
    assert attempt["response_body"] == "x" * 2048


async def test_deliver_webhook_signs_with_current_secret(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    [log_id] = await make_events(db, merchant.id)
    new_secret = await config.regenerate_webhook_secret(merchant.id)

    await deliver_webhook(log_id)

    [request] = receiver.requests
    verify(request.body, request.headers, new_secret)
    standard = {k: v for k, v in request.headers.items() if k.lower().startswith("webhook-")}
    assert _sw(new_secret).verify(request.body, standard)["event"] == "payment.success"


async def test_deliver_webhook_payload_is_frozen_event_body(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    [log_id] = await make_events(db, merchant.id, event="refund.processed")

    await deliver_webhook(log_id)

    body = orjson.loads(receiver.requests[0].body)
    assert body["event"] == "refund.processed"
    assert isinstance(body["timestamp"], int)
    assert body["data"]["payment"]["amount"] == 50000


async def test_retry_webhook_other_merchant_not_found(db: Database, receiver: Receiver, merchant: MerchantInfo) -> None:
    from paygate_app.core.errors import NotFound

    other = await make_merchant(db, webhook_url=receiver.url)
    [log_id] = await make_events(db, merchant.id)

    with pytest.raises(NotFound):
        await retry_webhook(log_id, other.id)


async def test_retry_webhook_uses_current_url(db: Database, receiver: Receiver) -> None:
    port = free_port()
    merchant = await make_merchant(db, webhook_url=f"http://127.0.0.1:{port}/old")
    [log_id] = await make_events(db, merchant.id)
    assert await deliver_webhook(log_id) == "pending"

    await config.set_webhook_url(merchant.id, receiver.url)
    await retry_webhook(log_id, merchant.id)
    assert await deliver_webhook(log_id) == "success"

    assert receiver.requests[0].path == "/hook"


async def test_due_webhook_ids_lists_only_due_pending(db: Database, receiver: Receiver, merchant: MerchantInfo) -> None:
    due, later, done = await make_events(db, merchant.id, count=3)
    await db.execute(
        "UPDATE webhook_logs SET next_retry_at = :t WHERE id = :id",
        {"t": utcnow() + timedelta(minutes=1), "id": later},
    )
    await deliver_webhook(done)

    assert await due_webhook_ids(limit=100) == [due]
    assert await due_webhook_ids(limit=0) == []


async def test_send_result_never_raises_on_bad_url(db: Database) -> None:
    client = delivery._get_sender().client
    result = await delivery.send(client, "http://[::1", b"{}", {})
    assert result.response_code is None and result.error and not result.ok


async def test_retry_webhook_during_inflight_attempt_keeps_the_reset(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    receiver.delay = 0.4
    receiver.default_status = 500
    [log_id] = await make_events(db, merchant.id)

    inflight = asyncio.create_task(deliver_webhook(log_id))
    deadline = time.monotonic() + 5
    while not receiver.requests:  # the attempt reached the receiver, which holds its answer 0.4 s
        assert time.monotonic() < deadline and not inflight.done(), "the attempt never reached the receiver"
        await asyncio.sleep(0.005)
    await retry_webhook(log_id, merchant.id)
    await inflight

    row = await _log(db, log_id)
    assert (row["status"], row["attempts"], row["claimed_until"]) == ("pending", 0, None)
    assert [a["attempt"] for a in await _attempts(db, log_id)] == [1]
    receiver.delay, receiver.default_status = 0.0, 200
    assert await deliver_webhook(log_id) == "success"
    assert [a["attempt"] for a in await _attempts(db, log_id)] == [1, 2]
