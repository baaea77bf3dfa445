"""Claims and records of one moment run as one set (core/webhooks/store.py): same effects as one by one.

On PostgreSQL a set is one statement over arrays; SQLite runs the same steps per item in one transaction."""

from __future__ import annotations

import asyncio
import logging

import pytest
from webhook_support import MerchantInfo, Receiver, make_events

from paygate_app.core.db import Database, utcnow
from paygate_app.core.webhooks import store
from paygate_app.core.webhooks.delivery import SendResult, claim, deliver_webhook, record

pytestmark = pytest.mark.asyncio


@pytest.fixture
def pg(db: Database) -> Database:
    return db  # both backends: the same functions, a set statement on PostgreSQL, steps per item on SQLite


async def test_claims_of_one_moment_lease_each_log_once(pg: Database, merchant: MerchantInfo) -> None:
    ids = await make_events(pg, merchant.id, count=40)
    claims = await asyncio.gather(*(claim(i) for i in ids + ids))
    held = [c for c in claims if c is not None]
    assert sorted(c.id for c in held) == sorted(ids) and claims.count(None) == 40
    rows = await pg.fetch_all("SELECT id, claimed_until FROM webhook_logs")
    assert {r["id"]: r["claimed_until"] for r in rows} == {c.id: c.claimed_until for c in held}
    assert all(c.webhook_secret == merchant.webhook_secret and c.attempts == 0 for c in held)
    assert await asyncio.gather(*(claim(i) for i in ids)) == [None] * 40  # still held


async def test_records_of_one_moment_number_attempts_and_respect_a_lost_claim(
    pg: Database, merchant: MerchantInfo
) -> None:
    ids = await make_events(pg, merchant.id, count=6)
    jobs = await asyncio.gather(*(claim(i) for i in ids))
    stolen = jobs[0]
    # A manual retry took the first log over while its attempt was in flight.
    await pg.execute("UPDATE webhook_logs SET claimed_until = NULL, attempts = 0 WHERE id = :id", {"id": stolen.id})
    ok = SendResult(response_code=200, error=None, response_body="ok", duration_ms=3)
    down = SendResult(response_code=None, error="ConnectError: refused", response_body=None, duration_ms=1)
    started = utcnow()
    results = await asyncio.gather(*(record(j, ok if n % 2 else down, started_at=started) for n, j in enumerate(jobs)))
    assert results == ["pending", "success", "pending", "success", "pending", "success"]
    logs = {r["id"]: r for r in await pg.fetch_all("SELECT * FROM webhook_logs")}
    assert logs[stolen.id]["attempts"] == 0 and logs[stolen.id]["last_attempt_at"] is None  # not moved
    for n, job in enumerate(jobs[1:], start=1):
        log = logs[job.id]
        assert log["attempts"] == 1 and log["claimed_until"] is None and log["last_attempt_at"] == started
        assert (log["status"], log["response_code"]) == (("success", 200) if n % 2 else ("pending", None))
        assert (log["next_retry_at"] is None) == bool(n % 2)
    attempts = await pg.fetch_all("SELECT log_id, attempt, response_code, error FROM webhook_attempts")
    assert sorted((a["log_id"], a["attempt"]) for a in attempts) == sorted((i, 1) for i in ids)  # the stolen one too


async def test_a_second_attempt_is_numbered_after_the_first(pg: Database, merchant: MerchantInfo) -> None:
    [log_id] = await make_events(pg, merchant.id)
    down = SendResult(response_code=503, error="HTTP 503", response_body="", duration_ms=2)
    for expected in (1, 2):
        await pg.execute("UPDATE webhook_logs SET next_retry_at = :now WHERE id = :id", {"now": utcnow(), "id": log_id})
        job = await claim(log_id)
        assert job is not None
        assert await record(job, down, started_at=utcnow()) == "pending"
        attempts = await pg.fetch_all("SELECT attempt FROM webhook_attempts WHERE log_id = :id", {"id": log_id})
        assert sorted(a["attempt"] for a in attempts) == list(range(1, expected + 1))


async def test_fanout_never_falls_back(
    pg: Database, receiver: Receiver, merchant: MerchantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await make_events(pg, merchant.id, count=300)
    with caplog.at_level(logging.WARNING, logger=store.log.name):
        results = await asyncio.gather(*(deliver_webhook(i) for i in ids))
    assert results == ["success"] * 300 and receiver.count == 300
    assert not [r for r in caplog.records if "batch" in r.getMessage()]
