"""Receivers that accept and never answer: no socket outlives its attempt (issue 15, item 3),
and one merchant's hanging endpoint does not delay another merchant's webhooks (item 6).

The receiver is a real socket on 127.0.0.1 that reads the request and never writes a byte; it
counts the connections the sender still holds open, and /proc/net/tcp shows the sender's side.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from hanging import HangingReceiver, established_to, wait_for
from webhook_support import Receiver, make_events, make_merchant

from paygate_app.core.db import Database
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import deliver_now, deliver_webhook

pytestmark = pytest.mark.asyncio


@pytest.fixture
def hanging() -> HangingReceiver:
    server = HangingReceiver()
    yield server
    server.stop()


async def _attempt_errors(db: Database, log_ids: list[str]) -> list[str]:
    rows = await db.fetch_all("SELECT log_id, error FROM webhook_attempts")
    return [r["error"] for r in rows if r["log_id"] in set(log_ids)]


async def test_timed_out_attempts_leave_no_connection_open(
    db: Database, hanging: HangingReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "webhook_timeout", 0.3)
    merchant = await make_merchant(db, webhook_url=hanging.url)

    for _ in range(2):  # two rounds: the count must not grow round after round
        log_ids = await make_events(db, merchant.id, count=40)
        await deliver_now(log_ids)
        errors = await _attempt_errors(db, log_ids)
        assert len(errors) == 40 and all(e.startswith("Timed out") for e in errors)

        assert await wait_for(lambda: hanging.open == 0 and established_to(hanging.port) == 0, within=5), (
            f"{hanging.open} connections outlived their attempt "
            f"({established_to(hanging.port)} ESTABLISHED towards the receiver)"
        )
    assert hanging.accepted == 80  # every attempt opened (and closed) its own connection


async def test_hanging_merchant_does_not_delay_another_merchants_webhook(
    db: Database, hanging: HangingReceiver, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "webhook_timeout", 3.0)
    slow = await make_merchant(db, webhook_url=hanging.url)
    other = await make_merchant(db, webhook_url=receiver.url)
    backlog = await make_events(db, slow.id, count=250, event="webhook.test")
    flood = asyncio.create_task(deliver_now(backlog))
    try:
        share = settings.webhook_concurrency_per_merchant
        assert await wait_for(lambda: hanging.accepted >= share, within=10)
        [log_id] = await make_events(db, other.id)

        started = time.monotonic()
        status = await deliver_webhook(log_id)
        elapsed = time.monotonic() - started

        assert status == "success" and receiver.count == 1
        assert elapsed < 2.0, f"the other merchant's webhook waited {elapsed:.2f}s behind a hanging endpoint"
        assert hanging.open <= share  # the hanging merchant holds at most its share
    finally:
        flood.cancel()
        await asyncio.gather(flood, return_exceptions=True)
