"""The worker's entry point: the queue's broker with the tasks and the worker's start-up on it.

    taskiq worker tasks.broker:broker

The broker itself is made in paygate_app/core/queue.py (the core rings it by task name); this
module registers what a worker runs: the tasks (tasks/jobs.py) and, on start-up and shutdown,
the database, heartbeat and sweeper (tasks/runtime.py).
"""

from __future__ import annotations

from taskiq import TaskiqEvents

import tasks.jobs  # noqa: F401  (registers the tasks on the broker)
from paygate_app.core.queue import broker
from tasks.runtime import start_worker_runtime, stop_worker_runtime

broker.on_event(TaskiqEvents.WORKER_STARTUP)(start_worker_runtime)
broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)(stop_worker_runtime)

__all__ = ["broker"]
