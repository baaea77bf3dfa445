"""What a worker runs besides tasks: the database, the heartbeat and the sweeper."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import uuid

from taskiq import TaskiqState

from paygate_app.core import heartbeat
from paygate_app.core.db import close_db, get_db
from paygate_app.core.gc_tuning import tune_gc
from paygate_app.core.settings import settings
from paygate_app.core.supervision import die_with_parent
from paygate_app.core.webhooks.sender import close_http_client
from tasks.sweeper import run_sweeper

HEARTBEAT_SECONDS = 2.0


async def _beat_forever(name: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await heartbeat.beat(name)
        except Exception:
            pass
        try:
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_SECONDS)
        except TimeoutError:
            pass


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
        asyncio.create_task(_beat_forever(name, stop)),
        asyncio.create_task(run_sweeper(stop)),
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
