"""1,000 events fanned out to one receiver: every one arrives exactly once, none is lost."""

from __future__ import annotations

import asyncio
import time

import pytest
from webhook_support import MerchantInfo, Receiver, make_events

from paygate_app.core.db import Database
from paygate_app.core.webhooks.delivery import deliver_webhook, due_webhook_ids
from paygate_app.core.webhooks.signing import verify

pytestmark = pytest.mark.asyncio
EVENTS = 1000


async def test_deliver_webhook_fanout_1000_events_none_lost(
    db: Database, receiver: Receiver, merchant: MerchantInfo
) -> None:
    ids = await make_events(db, merchant.id, count=EVENTS)

    started = time.monotonic()
    due = await due_webhook_ids(limit=EVENTS)
    assert sorted(due) == sorted(ids)
    # Two deliverers per event (a queued job and the sweeper, say): claims keep it to one send.
    results = await asyncio.gather(*(deliver_webhook(i) for i in due + due))
    elapsed = time.monotonic() - started

    assert results.count("success") == EVENTS and results.count(None) == EVENTS
    assert receiver.count == EVENTS
    received_ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(received_ids) == sorted(ids)
    for request in receiver.requests[:50]:
        verify(request.body, request.headers, merchant.webhook_secret)
    counts = await db.fetch_all(
        "SELECT status, COUNT(*) AS n FROM webhook_logs GROUP BY status",
    )
    assert {r["status"]: r["n"] for r in counts} == {"success": EVENTS}
    attempts = await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_attempts")
    assert attempts["n"] == EVENTS
    assert await due_webhook_ids(limit=10) == []
    print(f"\n{EVENTS} webhooks delivered in {elapsed:.2f}s")
