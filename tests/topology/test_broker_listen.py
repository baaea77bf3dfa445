"""The stream broker's listener (core/queue.py) against the real Redis: it still reclaims what a
dead consumer left unacknowledged, and looks for such messages on a timer, not after every read."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from paygate_app.core import queue as broker_module

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]
REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
async def stream() -> AsyncIterator[str]:
    name = f"paygate-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = aioredis.Redis.from_url(REDIS_URL)
    await client.delete(name)
    await client.aclose()


async def _broker(stream: str, consumer: str, **options):
    broker = broker_module._stream_broker_class()(
        REDIS_URL, queue_name=stream, consumer_group_name="group", consumer_name=consumer, consumer_id="0", **options
    )
    await broker.startup()
    return broker


async def _take(broker, n: int) -> list[bytes]:
    taken: list[bytes] = []
    async for message in broker.listen():
        taken.append(message.data)
        await message.ack()
        if len(taken) == n:
            break
    return taken


async def test_listen_reclaims_a_message_a_dead_consumer_left_unacknowledged(stream: str) -> None:
    live = await _broker(stream, "live", idle_timeout=50, xread_block=100)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        await client.xadd(stream, {b"data": b"left behind"})
        # Another consumer reads it and dies before acknowledging it.
        taken = await client.xreadgroup("group", "dead", {stream: ">"}, count=1)
        assert taken[0][1][0][1][b"data"] == b"left behind"
        await asyncio.sleep(0.1)  # idle longer than idle_timeout
        async with asyncio.timeout(10):
            assert await _take(live, 1) == [b"left behind"]
        pending = await client.xpending(stream, "group")
        assert pending["pending"] == 0  # acknowledged by the live consumer
    finally:
        await client.aclose()
        await live.shutdown()


async def test_listen_looks_for_abandoned_messages_on_a_timer_not_after_every_read(
    stream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = await _broker(stream, "live", idle_timeout=60_000, xread_block=100, xread_count=1)
    looks: list[float] = []
    real = type(live)._autoclaim

    def counting(self, redis_conn):
        looks.append(asyncio.get_running_loop().time())
        return real(self, redis_conn)

    monkeypatch.setattr(type(live), "_autoclaim", counting)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        for n in range(40):
            await client.xadd(stream, {b"data": str(n).encode()})
        started = asyncio.get_running_loop().time()
        async with asyncio.timeout(10):
            taken = await _take(live, 40)  # 40 reads of one message each
        elapsed = asyncio.get_running_loop().time() - started
        assert taken == [str(n).encode() for n in range(40)]
        expected = 1 + int(elapsed / broker_module.AUTOCLAIM_INTERVAL_SECONDS)
        assert 1 <= len(looks) <= expected, (len(looks), elapsed)
    finally:
        await client.aclose()
        await live.shutdown()
