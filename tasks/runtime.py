"""What a worker runs besides tasks: the database, the heartbeat, the sweeper, and the queue's
consumer group kept clear of the consumers dead workers left."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
import uuid

from taskiq import TaskiqState

from paygate_app.core import heartbeat, queue
from paygate_app.core.db import close_db, get_db
from paygate_app.core.gc_tuning import tune_gc
from paygate_app.core.settings import settings
from paygate_app.core.supervision import die_with_parent
from paygate_app.core.webhooks.sender import close_http_client
from tasks.sweeper import run_sweeper

log = logging.getLogger("paygate.worker")
HEARTBEAT_SECONDS = 2.0
CONSUMER_CLEANUP_SECONDS = 60.0


async def _every(seconds: float, stop: asyncio.Event, job) -> None:
    """`job()` now and then every `seconds` until `stop`; a failure waits for the next turn."""
    while not stop.is_set():
        try:
            await job()
        except Exception as exc:
            log.debug("%s failed: %s", getattr(job, "__name__", job), exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            pass


async def _forget_dead_consumers() -> None:
    if gone := await queue.forget_dead_consumers():
        log.info("removed %d consumers of dead workers from the queue's group", len(gone))


def die_with_supervisor() -> None:
    """In a worker child (taskiq's manager forked it): SIGTERM when the manager dies, even by SIGKILL.

    Without this a killed manager leaves its child running with ppid 1: an orphan that keeps taking
    tasks and heartbeating next to the replacement its supervisor starts.
    """
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:  # not in tests / the app's in-process worker
        die_with_parent(parent.pid)


async def start_worker_runtime(state: TaskiqState) -> None:
    die_with_supervisor()
    settings.check_production()  # the same refusals as the app: a worker never runs unsafe settings
    await get_db()
    name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    stop = asyncio.Event()
    state.paygate_worker = name
    state.paygate_stop = stop
    state.paygate_tasks = [
        asyncio.create_task(_every(HEARTBEAT_SECONDS, stop, lambda: heartbeat.beat(name))),
        asyncio.create_task(run_sweeper(stop)),
        asyncio.create_task(_every(CONSUMER_CLEANUP_SECONDS, stop, _forget_dead_consumers)),
    ]
    tune_gc()


async def stop_worker_runtime(state: TaskiqState) -> None:
    stop: asyncio.Event | None = getattr(state, "paygate_stop", None)
    if stop is None:
        return
    stop.set()
    await asyncio.gather(*state.paygate_tasks, return_exceptions=True)
    try:
        await heartbeat.forget(state.paygate_worker)
    except Exception:
        pass
    await close_http_client()
    await close_db()
