"""GroupBatcher: calls of one moment go as one batch; batches grow while others are in flight."""

from __future__ import annotations

import asyncio

import pytest

from paygate_app.core.batching import GroupBatcher


class Flusher:
    def __init__(self, pause: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.in_flight = self.most_in_flight = 0
        self.pause = pause

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.pause)
        self.in_flight -= 1
        return [i * 10 for i in items]


async def test_calls_of_one_moment_form_one_batch_and_each_gets_its_result():
    flush = Flusher()
    batcher = GroupBatcher(flush)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(50))) == [i * 10 for i in range(50)]
    assert flush.batches == [list(range(50))]
    assert await batcher.submit(7) == 70  # alone, it still goes after one loop turn
    assert flush.batches[-1] == [7]


async def test_batches_are_capped_and_at_most_max_in_flight_run_at_once():
    flush = Flusher(pause=0.01)
    batcher = GroupBatcher(flush, max_batch=10, max_in_flight=2)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(95)))
    assert results == [i * 10 for i in range(95)]
    assert [len(b) for b in flush.batches] == [10] * 9 + [5]
    assert [i for b in flush.batches for i in b] == list(range(95))  # in order, none twice
    assert flush.most_in_flight == 2


async def test_late_callers_wait_for_a_slot_and_go_together():
    release, started = asyncio.Event(), asyncio.Event()
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        started.set()
        if len(batches) == 1:
            await release.wait()  # the first batch stays in flight until the late callers are queued
        return items

    batcher = GroupBatcher(flush, max_in_flight=1)
    first = asyncio.ensure_future(batcher.submit(0))
    await asyncio.wait_for(started.wait(), 5)  # the first batch is in flight now
    late = [asyncio.ensure_future(batcher.submit(i)) for i in range(1, 4)]
    await asyncio.sleep(0)  # a later loop turn
    late += [asyncio.ensure_future(batcher.submit(i)) for i in range(4, 6)]
    await asyncio.sleep(0)
    assert batches == [[0]]  # nothing else started while the slot was taken
    release.set()
    assert await asyncio.gather(first, *late) == list(range(6))
    assert batches == [[0], [1, 2, 3, 4, 5]]


async def test_an_exception_as_an_items_result_fails_that_caller_only():
    async def flush(items: list[int]) -> list[int | BaseException]:
        return [ValueError(i) if i == 2 else i for i in items]

    batcher = GroupBatcher(flush)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)
    assert results[:2] == [0, 1] and results[3] == 3
    assert isinstance(results[2], ValueError) and results[2].args == (2,)


async def test_a_failed_flush_fails_every_caller_of_that_batch_only():
    calls = 0

    async def flaky(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return items

    batcher = GroupBatcher(flaky)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await batcher.submit(4) == 4
    with pytest.raises(RuntimeError):
        raise results[0]
