"""The worker's entry point: the queue's broker with the tasks and the worker's start-up on it.

    taskiq worker tasks.broker:broker

The broker itself is made in paygate_app/core/queue.py (the core rings it by task name); this
module registers what a worker runs: the tasks (tasks/jobs.py) and, on start-up and shutdown,
the database, heartbeat and sweeper (tasks/runtime.py).
"""

from __future__ import annotations

import asyncio

from taskiq import InMemoryBroker, TaskiqEvents, TaskiqState

import tasks.jobs  # noqa: F401  (registers the tasks on the broker)
from paygate_app.core.queue import broker
from tasks.runtime import start_worker_runtime, stop_worker_runtime

DRAIN_SECONDS = 5.0  # how long in-process tasks may finish at shutdown before they are cancelled


async def drain_in_process_tasks(state: TaskiqState) -> None:
    """The in-process queue's running tasks finish (or are cancelled after DRAIN_SECONDS) before
    the database closes, so none of them runs on into a closed pool; the sweeper redoes what a
    cancelled one left (every step is a conditional update)."""
    running = set(getattr(broker, "_running_tasks", ())) if isinstance(broker, InMemoryBroker) else set()
    if not running:
        return
    _, late = await asyncio.wait(running, timeout=DRAIN_SECONDS)
    for task in late:
        task.cancel()
    if late:
        await asyncio.wait(late, timeout=DRAIN_SECONDS)


broker.on_event(TaskiqEvents.WORKER_STARTUP)(start_worker_runtime)
broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)(drain_in_process_tasks)
broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)(stop_worker_runtime)

__all__ = ["broker"]
