"""Retention (WEBHOOK_RETENTION_DAYS): old final webhook logs and their attempts are deleted in
bounded batches by the sweeper; pending and recent ones stay. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from webhook_support import MerchantInfo, Receiver, make_events

from paygate_app.core.db import Database, utcnow
from paygate_app.core.errors import NotFound
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import deliver_webhook
from paygate_app.core.webhooks.logs import get_log
from paygate_app.core.webhooks.retention import purge_old_webhooks
from tasks import sweeper

pytestmark = pytest.mark.asyncio


async def _age(db: Database, log_id: str, *, days: float, changed_days: float | None = None) -> None:
    """Move a log (and its attempts) back in time: created `days` ago, last changed `changed_days` ago."""
    created = utcnow() - timedelta(days=days)
    changed = utcnow() - timedelta(days=days if changed_days is None else changed_days)
    await db.execute(
        "UPDATE webhook_logs SET created_at = :c, updated_at = :u WHERE id = :id",
        {"c": created, "u": changed, "id": log_id},
    )
    await db.execute("UPDATE webhook_attempts SET created_at = :c WHERE log_id = :id", {"c": created, "id": log_id})


async def _attempt_count(db: Database, log_id: str) -> int:
    row = await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_attempts WHERE log_id = :id", {"id": log_id})
    return int(row["n"])


async def _exists(log_id: str, merchant_id: str) -> bool:
    try:
        await get_log(log_id, merchant_id=merchant_id)
    except NotFound:
        return False
    return True


async def _delivered(db: Database, merchant: MerchantInfo, count: int) -> list[str]:
    ids = await make_events(db, merchant.id, count=count)
    assert [await deliver_webhook(i) for i in ids] == ["success"] * count
    return ids


async def test_retention_deletes_old_final_logs_with_their_attempts_and_keeps_the_rest(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    old_success, recent, retried = await _delivered(db, merchant, 3)
    receiver.default_status = 410
    [old_failed] = await make_events(db, merchant.id)
    assert await deliver_webhook(old_failed) == "failed"
    [old_pending] = await make_events(db, merchant.id)  # never delivered (say its receiver kept failing)
    await _age(db, old_success, days=40)
    await _age(db, old_failed, days=31)
    await _age(db, old_pending, days=40)
    await _age(db, recent, days=29)
    await _age(db, retried, days=40, changed_days=1)  # retried by the merchant yesterday

    assert await purge_old_webhooks(days=30) == 2

    for gone in (old_success, old_failed):
        assert not await _exists(gone, merchant.id)  # GET /api/v1/webhooks/{id} answers 404
        assert await _attempt_count(db, gone) == 0
    for kept in (old_pending, recent, retried):
        assert await _exists(kept, merchant.id)
    assert [await _attempt_count(db, i) for i in (old_pending, recent, retried)] == [0, 1, 1]
    assert await purge_old_webhooks(days=30) == 0


async def test_retention_zero_keeps_everything(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    [log_id] = await _delivered(db, merchant, 1)
    await _age(db, log_id, days=3650)
    monkeypatch.setattr(settings, "webhook_retention_days", 0)

    assert await purge_old_webhooks() == 0
    assert await _exists(log_id, merchant.id) and await _attempt_count(db, log_id) == 1


async def test_retention_deletes_in_bounded_batches(db: Database, merchant: MerchantInfo, receiver: Receiver) -> None:
    ids = await _delivered(db, merchant, 5)
    for i in ids:
        await _age(db, i, days=60)

    assert await purge_old_webhooks(days=30, batch=2, budget=0) == 2  # out of time after one batch
    assert await purge_old_webhooks(days=30, batch=2) == 3  # time left: batches until none is left
    left = await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_logs")
    assert left["n"] == 0


async def test_retention_run_twice_at_once_deletes_each_log_once(
    db: Database, merchant: MerchantInfo, receiver: Receiver
) -> None:
    ids = await _delivered(db, merchant, 12)
    for i in ids:
        await _age(db, i, days=60)

    counts = await asyncio.gather(*(purge_old_webhooks(days=30, batch=3) for _ in range(2)))

    assert sum(counts) == 12
    left = await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_attempts")
    assert left["n"] == 0


async def test_the_sweeper_enforces_retention(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, recent = await _delivered(db, merchant, 2)
    await _age(db, old, days=8)
    monkeypatch.setattr(settings, "webhook_retention_days", 7)
    # The sweeper purges every 10 minutes of its clock: make its clock say it has been up longer.
    monkeypatch.setattr(
        sweeper,
        "time",
        SimpleNamespace(monotonic=lambda: time.monotonic() + 1e6, perf_counter=time.perf_counter, time=time.time),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sweeper.run_sweeper(stop))
    try:
        deadline = time.monotonic() + 10
        while await _exists(old, merchant.id):
            assert time.monotonic() < deadline, "the sweeper did not delete the old log"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
    assert await _exists(recent, merchant.id)
