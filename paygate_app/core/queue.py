"""The queue: Redis streams (acknowledged delivery) with REDIS_URL, in-process otherwise.

The queue only rings the bell; the database decides. The core rings it (core/jobs.py) by task
name; the tasks themselves and the worker's start-up live in tasks/ (`tasks/broker.py` is the
worker's entry point: `taskiq worker tasks.broker:broker`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator

from taskiq import AsyncBroker, InMemoryBroker

from paygate_app.core.batching import loop_batcher
from paygate_app.core.settings import settings

AUTOCLAIM_INTERVAL_SECONDS = 2.0  # how often a listener looks for messages a dead worker left unacknowledged


def _stream_broker_class() -> type:
    from redis.asyncio import Redis
    from taskiq.acks import AckableMessage
    from taskiq_redis import RedisStreamBroker

    class PaygateStreamBroker(RedisStreamBroker):
        """RedisStreamBroker that sends and acknowledges in batches over one shared client.

        Upstream builds a new `Redis` client (and its ~170 response callbacks) for every message
        sent and every ack, half the CPU of a `kiq`; and each is its own round trip. Here one
        client over the broker's pool is shared (each command still takes a pooled connection),
        the messages sent in one event-loop turn go as one pipeline of XADDs, and the acks of one
        turn as one XACK per stream. Same messages, same acknowledgements.

        Upstream's listener also looks for abandoned messages (a lock check, SET, XAUTOCLAIM and a
        release script: four more round trips) after every read, so a busy worker paid them per
        batch of messages. Here it looks at most every `AUTOCLAIM_INTERVAL_SECONDS`, the same
        cadence as an idle listener's (its read blocks for `xread_block` ms); a message is only
        reclaimed after `idle_timeout` anyway.
        """

        _shared: Redis | None = None

        def _client(self) -> Redis:
            if self._shared is None:
                self._shared = Redis(connection_pool=self.connection_pool)
            return self._shared

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
            for queue_name, ids in by_stream.items():
                await self._client().xack(queue_name, self.consumer_group_name, *ids)
            return [None] * len(acks)

        async def kick(self, message) -> None:
            queue_name = message.labels.get("queue_name") or self.queue_name
            await loop_batcher(f"redis-sends-{id(self)}", self._send_many).submit((queue_name, message.message))

        async def listen(self) -> AsyncGenerator[AckableMessage, None]:
            next_autoclaim = 0.0
            async with Redis(connection_pool=self.connection_pool) as redis_conn:
                while True:
                    fetched = await redis_conn.xreadgroup(
                        self.consumer_group_name,
                        self.consumer_name,
                        {self.queue_name: ">", **self.additional_streams},
                        block=self.block,
                        noack=False,
                        count=self.count,
                    )
                    for stream, messages in fetched:
                        for message_id, message in messages:
                            yield self._ackable(stream, message_id, message)
                    if time.monotonic() < next_autoclaim:
                        continue
                    next_autoclaim = time.monotonic() + AUTOCLAIM_INTERVAL_SECONDS
                    async for abandoned in self._autoclaim(redis_conn):
                        yield abandoned

        async def _autoclaim(self, redis_conn: Redis) -> AsyncGenerator[AckableMessage, None]:
            """Messages other consumers left unacknowledged for `idle_timeout` ms (upstream's code)."""
            for stream in [self.queue_name, *self.additional_streams.keys()]:
                lock = redis_conn.lock(
                    f"autoclaim:{self.consumer_group_name}:{stream}", timeout=self.unacknowledged_lock_timeout
                )
                if await lock.locked():
                    continue
                async with lock:
                    pending = await redis_conn.xautoclaim(
                        name=stream,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for message_id, message in pending[1]:
                        yield self._ackable(stream, message_id, message)

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
            unacknowledged_lock_timeout=60,
        )
    return InMemoryBroker(max_async_tasks=2000, propagate_exceptions=False)


broker = make_broker()
