"""A payment whose ring fails (Redis down) gives up its events' claim at once (core/jobs.py), so
the sweeper sends `payment.created` / `payment.pending` on its next pass instead of ~30 s later.

The queue is the stream broker on a private `redis-server` that the test kills; the rest is the
real create path on both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import redis
from webhook_support import MerchantInfo

from paygate_app.core import jobs
from paygate_app.core import queue as broker_module
from paygate_app.core.db import Database
from paygate_app.core.orders import create_order
from paygate_app.core.payments import create_payment
from paygate_app.core.webhooks import delivery
from tests.support.servers import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]


@pytest_asyncio.fixture
async def stream_queue(private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[object]:
    """The core rings a Redis stream broker on the private server (as with REDIS_URL set)."""
    broker = broker_module._stream_broker_class()(
        private_redis.url, queue_name="paygate", consumer_group_name="paygate-workers", consumer_id="0"
    )
    await broker.startup()
    broker.state.paygate_ringing = True
    monkeypatch.setattr(jobs, "broker", broker)
    yield broker
    await broker.shutdown()


async def _pay(merchant: MerchantInfo, amount: int) -> dict:
    order = await create_order(merchant_id=merchant.id, amount=amount)
    return await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], "method": "upi", "vpa": "a@ok"})


async def _logs(db: Database, payment_id: str) -> list[dict]:
    return await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment_id})


async def test_a_payment_rung_while_redis_is_down_leaves_its_events_to_the_sweeper_at_once(
    db: Database, merchant: MerchantInfo, private_redis: PrivateRedis, stream_queue
) -> None:
    queued = await _pay(merchant, 1000)
    assert redis.Redis.from_url(private_redis.url).xlen("paygate") == 1
    held = await _logs(db, queued["id"])
    assert len(held) == 2  # payment.created, payment.pending: held for the job just queued
    assert not {r["id"] for r in held} & set(await delivery.due_webhook_ids())

    private_redis.kill()
    unqueued = await _pay(merchant, 2000)  # the create still answers

    assert unqueued["status"] == "pending"
    released = await _logs(db, unqueued["id"])
    assert len(released) == 2 and all(r["claimed_until"] is None for r in released)
    assert {r["id"] for r in released} <= set(await delivery.due_webhook_ids())
    assert not {r["id"] for r in held} & set(await delivery.due_webhook_ids())  # the queued job's stay held
