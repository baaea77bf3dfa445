"""The stream broker (core/queue.py) on a private `redis-server` that the tests kill and flush:
its listener outlives Redis (a worker stays up), and the group's dead consumers are removed."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from paygate_app.core import queue as broker_module
from tests.support.servers import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.asyncio]
STREAM, GROUP = "paygate", "paygate-workers"


async def _broker(url: str, consumer: str):
    broker = broker_module._stream_broker_class()(
        url, queue_name=STREAM, consumer_group_name=GROUP, consumer_name=consumer, consumer_id="0", xread_block=200
    )
    await broker.startup()
    return broker


async def _next(listener) -> bytes:
    message = await anext(listener)
    await message.ack()
    return message.data


async def _add(url: str, data: bytes) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        await client.xadd(STREAM, {b"data": data})
    finally:
        await client.aclose()


async def test_listen_waits_out_a_redis_restart_and_reads_what_is_sent_after_it(private_redis: PrivateRedis) -> None:
    broker = await _broker(private_redis.url, "live")
    listener = broker.listen()
    try:
        await _add(private_redis.url, b"before")
        async with asyncio.timeout(10):
            assert await _next(listener) == b"before"
        waiting = asyncio.ensure_future(_next(listener))
        private_redis.kill()  # gone, and back empty: no stream, no group (no persistence)
        done, _ = await asyncio.wait({waiting}, timeout=3)  # several failed reads while it is down
        assert not done, waiting.exception()  # the listener did not raise: the worker stays up
        private_redis.start()
        back = time.monotonic()
        await _add(private_redis.url, b"after")
        async with asyncio.timeout(10):
            assert await waiting == b"after"
        assert time.monotonic() - back < broker_module.RETRY_MAX_SECONDS + 1
        assert broker_module.RETRY_MAX_SECONDS > 0 and broker.found_again_at >= back - 0.5
    finally:
        await listener.aclose()
        await broker.shutdown()


async def test_listen_declares_the_group_again_after_flushall(private_redis: PrivateRedis) -> None:
    broker = await _broker(private_redis.url, "live")
    listener = broker.listen()
    client = aioredis.Redis.from_url(private_redis.url)
    try:
        waiting = asyncio.ensure_future(_next(listener))
        await asyncio.sleep(0.3)  # blocked in XREADGROUP: FLUSHALL unblocks it with an error
        await client.flushall()
        await client.xadd(STREAM, {b"data": b"after the flush"})
        async with asyncio.timeout(10):
            assert await waiting == b"after the flush"
        groups = await client.xinfo_groups(STREAM)
        assert [g["name"] for g in groups] == [GROUP.encode()]
    finally:
        await client.aclose()
        await listener.aclose()
        await broker.shutdown()


async def test_startup_with_redis_down_does_not_fail(private_redis: PrivateRedis) -> None:
    private_redis.kill()
    broker = await _broker(private_redis.url, "live")  # the group is declared by the listener later
    await broker.shutdown()


async def test_forget_idle_consumers_removes_only_idle_ones_holding_nothing(private_redis: PrivateRedis) -> None:
    broker = await _broker(private_redis.url, "live")
    client = aioredis.Redis.from_url(private_redis.url)
    try:
        for n in range(4):
            await client.xadd(STREAM, {b"data": str(n).encode()})

        async def read(consumer: str, *, ack: bool) -> None:
            [(_, [(message_id, _)])] = await client.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=1)
            if ack:
                await client.xack(STREAM, GROUP, message_id)

        # A worker that finished its message and died; one that died holding a message; this one.
        await read("dead-done", ack=True)
        await read("dead-holding", ack=False)
        await read("live", ack=True)
        idle_ms = 200
        await asyncio.sleep(idle_ms / 1000 + 0.05)  # let them all be idle that long
        await read("recent", ack=True)  # another live worker

        assert await broker.forget_idle_consumers(idle_ms) == ["dead-done"]

        left = {c["name"].decode(): c["pending"] for c in await client.xinfo_consumers(STREAM, GROUP)}
        assert left == {"dead-holding": 1, "live": 0, "recent": 0}
        assert await broker.forget_idle_consumers(idle_ms) == []
    finally:
        await client.aclose()
        await broker.shutdown()


async def test_forget_dead_consumers_with_the_in_process_queue_does_nothing() -> None:
    if broker_module.broker.__class__.__name__ == "PaygateStreamBroker":
        pytest.skip("REDIS_URL is set for this test run")
    assert await broker_module.forget_dead_consumers() == []
