"""The only broker: Redis streams (acknowledged delivery) with REDIS_URL, in-process otherwise.

The queue only rings the bell; the database decides. Run workers with:
    taskiq worker tasks.broker:broker
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from taskiq import AsyncBroker, InMemoryBroker, TaskiqEvents, TaskiqState

from paygate_app.core.settings import settings


class _Coalescer:
    """Calls made in the same event-loop turn reach Redis together; each caller awaits its own.

    `add(item)` queues the item and waits; the first item of a turn schedules one `flush(items)`
    for everything queued by then (a pipeline of XADDs, one XACK with many ids). A failed flush
    fails every caller in it, which is what each would have seen on its own.
    """

    def __init__(self, flush) -> None:
        self._flush = flush
        self._loop: asyncio.AbstractEventLoop | None = None
        self._items: list = []
        self._running: set[asyncio.Task] = set()

    async def add(self, item) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._items:  # another loop's turn in progress (tests): no coalescing across loops
                await self._flush([item])
                return
            self._loop = loop
        future = loop.create_future()
        self._items.append((item, future))
        if len(self._items) == 1:
            loop.call_soon(self._start)
        await future

    def _start(self) -> None:
        items, self._items = self._items, []
        task = asyncio.ensure_future(self._run(items))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, items: list) -> None:
        try:
            await self._flush([item for item, _ in items])
        except BaseException as exc:
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            for _, future in items:
                if not future.done():
                    future.set_result(None)


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
        _sends: _Coalescer | None = None
        _acks: _Coalescer | None = None

        def _client(self) -> Redis:
            if self._shared is None:
                self._shared = Redis(connection_pool=self.connection_pool)
            return self._shared

        async def _send_many(self, messages: list) -> None:
            if len(messages) == 1:
                queue_name, data = messages[0]
                await self._client().xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
                return
            async with self._client().pipeline(transaction=False) as pipe:
                for queue_name, data in messages:
                    pipe.xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
                await pipe.execute()

        async def _ack_many(self, acks: list) -> None:
            by_stream: dict = {}
            for queue_name, message_id in acks:
                by_stream.setdefault(queue_name, []).append(message_id)
            for queue_name, ids in by_stream.items():
                await self._client().xack(queue_name, self.consumer_group_name, *ids)

        async def kick(self, message) -> None:
            if self._sends is None:
                self._sends = _Coalescer(self._send_many)
            await self._sends.add((message.labels.get("queue_name") or self.queue_name, message.message))

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
            return AckableMessage(data=message[b"data"], ack=self._ack_generator(id=message_id, queue_name=stream))

        def _ack_generator(self, id: str, queue_name: str):
            async def _ack() -> None:
                if self._acks is None:
                    self._acks = _Coalescer(self._ack_many)
                await self._acks.add((queue_name, id))

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


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def _worker_startup(state: TaskiqState) -> None:
    from tasks.runtime import start_worker_runtime

    await start_worker_runtime(state)


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def _worker_shutdown(state: TaskiqState) -> None:
    from tasks.runtime import stop_worker_runtime

    await stop_worker_runtime(state)


import tasks.jobs  # noqa: E402,F401  (registers the tasks on this broker)
