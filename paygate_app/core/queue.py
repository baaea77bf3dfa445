"""The queue: Redis streams (acknowledged delivery) with REDIS_URL, in-process otherwise.

The queue only rings the bell; the database decides. The core rings it (core/jobs.py) by task
name; the tasks themselves and the worker's start-up live in tasks/ (`tasks/broker.py` is the
worker's entry point: `taskiq worker tasks.broker:broker`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable

from taskiq import AsyncBroker, InMemoryBroker

from paygate_app.core.batching import loop_batcher
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.queue")

AUTOCLAIM_INTERVAL_SECONDS = 2.0  # how often a listener looks for messages a dead worker left unacknowledged
RETRY_FIRST_SECONDS = 0.1  # a listener that lost Redis tries again after this, doubling on each failure...
RETRY_MAX_SECONDS = 2.0  # ...up to this
DEAD_CONSUMER_IDLE_MS = 600_000  # a group consumer idle this long with nothing pending belongs to a dead worker

# XINFO CONSUMERS and XGROUP DELCONSUMER in one script: a consumer is removed only if, at that
# instant, it holds no pending message (DELCONSUMER would drop its pending entries) and is idle.
_FORGET_IDLE_CONSUMERS = """
local gone = {}
for _, fields in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local c = {}
  for i = 1, #fields, 2 do c[fields[i]] = fields[i + 1] end
  if c['pending'] == 0 and c['idle'] >= tonumber(ARGV[2]) and c['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
    gone[#gone + 1] = c['name']
  end
end
return gone
"""


def _stream_broker_class() -> type:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError
    from taskiq.acks import AckableMessage
    from taskiq_redis import RedisStreamBroker

    class PaygateStreamBroker(RedisStreamBroker):
        """taskiq-redis's RedisStreamBroker with these differences (the rest is upstream's):

        - Sends and acks go in batches over one shared client. Upstream builds a new `Redis`
          client (and its ~170 response callbacks) for every message sent and every ack, half the
          CPU of a `kiq`, each its own round trip. Here the messages sent in one event-loop turn go
          as one pipeline of XADDs, and the acks of one turn as one XACK per stream.
        - The listener looks for abandoned messages every `AUTOCLAIM_INTERVAL_SECONDS` (one
          XAUTOCLAIM per stream), not after every read (upstream: a lock check, SET, XAUTOCLAIM and
          a release script, four round trips per batch read). XAUTOCLAIM is atomic and restarts
          the idle time of what it claims, so two listeners never claim one message: no lock.
        - The listener survives Redis: a failed read (Redis down, restarted empty, or flushed:
          "UNBLOCKED the stream key no longer exists", NOGROUP) is retried after a pause that
          doubles up to `RETRY_MAX_SECONDS`, and the group is declared again first. Upstream
          raises, which ends the worker process (taskiq restarts it, again and again, until Redis
          is back). A failed ack is logged: the message stays pending and is reclaimed (the job is
          idempotent), or went with the lost stream.
        - `forget_idle_consumers` removes the group's consumers of dead workers.
        """

        _shared: Redis | None = None
        _failures = 0
        found_again_at = float("-inf")  # time.monotonic() the listener last got Redis back after losing it

        def _client(self) -> Redis:
            if self._shared is None:
                self._shared = Redis(connection_pool=self.connection_pool)
            return self._shared

        async def _declare_consumer_group(self) -> None:
            try:
                await super()._declare_consumer_group()
            except RedisError as exc:  # down: the listener declares it once Redis answers
                log.warning("could not declare the consumer group (%s); the listener will", exc)

        async def _send_many(self, messages: list) -> list[None]:
            if len(messages) == 1:
                queue_name, data = messages[0]
                await self._client().xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
                return [None]
            async with self._client().pipeline(transaction=False) as pipe:
                for queue_name, data in messages:
                    pipe.xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
                await pipe.execute()
            return [None] * len(messages)

        async def _ack_many(self, acks: list) -> list[None]:
            by_stream: dict = {}
            for queue_name, message_id in acks:
                by_stream.setdefault(queue_name, []).append(message_id)
            try:
                for queue_name, ids in by_stream.items():
                    await self._client().xack(queue_name, self.consumer_group_name, *ids)
            except RedisError as exc:
                log.warning("%d acks lost (%s): reclaimed later, or gone with the queue", len(acks), exc)
            return [None] * len(acks)

        async def kick(self, message) -> None:
            queue_name = message.labels.get("queue_name") or self.queue_name
            await loop_batcher(f"redis-sends-{id(self)}", self._send_many).submit((queue_name, message.message))

        async def listen(self) -> AsyncGenerator[AckableMessage, None]:
            next_autoclaim = 0.0
            async with Redis(connection_pool=self.connection_pool) as redis_conn:
                while True:
                    streams = {self.queue_name: ">", **self.additional_streams}
                    read = redis_conn.xreadgroup(
                        self.consumer_group_name, self.consumer_name, streams, block=self.block, count=self.count
                    )
                    for stream, messages in await self._surviving(read):
                        for message_id, message in messages:
                            yield self._ackable(stream, message_id, message)
                    if time.monotonic() < next_autoclaim:
                        continue
                    next_autoclaim = time.monotonic() + AUTOCLAIM_INTERVAL_SECONDS
                    for stream, messages in await self._surviving(self._autoclaim(redis_conn)):
                        for message_id, message in messages:
                            yield self._ackable(stream, message_id, message)

        async def _surviving(self, command: Awaitable[list]) -> list:
            """The command's answer; on a Redis error nothing, after the pause (see the class)."""
            try:
                answer = await command
            except RedisError as exc:
                self._failures += 1
                level = logging.WARNING if self._failures == 1 else logging.DEBUG
                log.log(level, "queue unreachable (%s); the listener retries (failure %d)", exc, self._failures)
                await asyncio.sleep(min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (self._failures - 1)))
                await self._declare_consumer_group()
                return []
            if self._failures:
                log.warning("queue back after %d failed reads", self._failures)
                self._failures = 0
                self.found_again_at = time.monotonic()
            return answer

        async def _autoclaim(self, redis_conn: Redis) -> list:
            """Messages other consumers left unacknowledged for `idle_timeout` ms, as XREADGROUP answers."""
            found = []
            for stream in [self.queue_name, *self.additional_streams]:
                _, messages, *_ = await redis_conn.xautoclaim(
                    stream,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                found.append((stream, messages))
            return found

        async def forget_idle_consumers(self, idle_ms: int = DEAD_CONSUMER_IDLE_MS) -> list[str]:
            """Remove the group's consumers (other than this one) idle `idle_ms` with nothing pending:
            every worker process that ever listened left one behind."""
            gone = await self._client().eval(
                _FORGET_IDLE_CONSUMERS, 1, self.queue_name, self.consumer_group_name, idle_ms, self.consumer_name
            )
            return [name.decode() if isinstance(name, bytes) else name for name in gone]

        def _ackable(self, stream, message_id, message: dict) -> AckableMessage:
            return AckableMessage(data=message[b"data"], ack=self._ack_generator(message_id, stream))

        def _ack_generator(self, message_id: str, queue_name: str):
            async def _ack() -> None:
                await loop_batcher(f"redis-acks-{id(self)}", self._ack_many).submit((queue_name, message_id))

            return _ack

    return PaygateStreamBroker


def make_broker() -> AsyncBroker:
    if settings.redis_url:
        return _stream_broker_class()(
            settings.redis_url,
            queue_name="paygate",
            consumer_group_name="paygate-workers",
            consumer_id="0",  # read messages enqueued before the group existed
            maxlen=200_000,
            idle_timeout=120_000,
        )
    return InMemoryBroker(max_async_tasks=2000, propagate_exceptions=False)


broker = make_broker()


def found_again_at() -> float:
    """time.monotonic() when this process's listener last got the queue back after losing it (Redis
    down, restarted empty, flushed); -inf if never. Work rung before then may be missing from it."""
    return getattr(broker, "found_again_at", float("-inf"))


async def forget_dead_consumers() -> list[str]:
    """The stream group's consumers left by dead workers, removed (none with the in-process queue)."""
    forget = getattr(broker, "forget_idle_consumers", None)
    return await forget() if forget else []
