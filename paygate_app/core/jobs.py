"""The bell: core code rings the queue (core/queue.py) for background work, by task name.

The database is the source of truth. A ring that fails (queue down) is logged and dropped:
the sweeper finds the due row and does the work anyway, and the outbox rows written claimed for
the job that was rung are released at once, so the sweeper sends them on its next pass. Rings
are heard once the broker has started (the app's lifespan, a worker's start-up); before that,
and after shutdown, ringing does nothing (scripts and tests that use the core without a queue).

The tasks that hear the rings are in tasks/jobs.py, registered under these names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from taskiq import TaskiqEvents, TaskiqState
from taskiq.kicker import AsyncKicker

from paygate_app.core.batching import loop_batcher
from paygate_app.core.queue import broker
from paygate_app.core.webhooks import store

log = logging.getLogger("paygate.jobs")


class JobKind(StrEnum):
    PROCESS_PAYMENT = "process_payment"
    PROCESS_REFUND = "process_refund"
    DELIVER_WEBHOOK = "deliver_webhook"


# Several payments rung in one moment travel as one message: `[[payment_id, [webhook ids], held_until], ...]`.
PAYMENTS_TASK = "process_payments"


@broker.on_event(TaskiqEvents.CLIENT_STARTUP, TaskiqEvents.WORKER_STARTUP)
def _start_ringing(state: TaskiqState) -> None:
    state.paygate_ringing = True


@broker.on_event(TaskiqEvents.CLIENT_SHUTDOWN, TaskiqEvents.WORKER_SHUTDOWN)
def _stop_ringing(state: TaskiqState) -> None:
    state.paygate_ringing = False


def ringing() -> bool:
    return bool(getattr(broker.state, "paygate_ringing", False))


async def _kiq(task_name: str, *args: object) -> None:
    await AsyncKicker(task_name=task_name, broker=broker, labels={}).kiq(*args)


async def _kiq_payments(items: list[list]) -> list[None]:
    if len(items) == 1:
        await _kiq(JobKind.PROCESS_PAYMENT.value, *items[0])
    else:
        await _kiq(PAYMENTS_TASK, items)
    return [None] * len(items)


async def ring(kind: JobKind, job_id: str, *, webhooks: Sequence[str] = (), held_until: datetime | None = None) -> None:
    """Ask for `kind` on `job_id` (and, for a payment or refund, delivery of its `webhooks`, the
    outbox rows written with it; `held_until` is the claim they were written with, if any)."""
    if not ringing():
        return
    try:
        if kind is JobKind.PROCESS_PAYMENT:
            item = [job_id, list(webhooks), held_until.isoformat() if held_until else None]
            await loop_batcher("payment-rings", _kiq_payments).submit(item)
        elif webhooks:
            await _kiq(kind.value, job_id, list(webhooks))
        else:
            await _kiq(kind.value, job_id)
    except Exception as exc:  # the sweeper is the safety net
        log.warning("could not enqueue %s %s (%s); the sweeper will pick it up", kind, job_id, exc)
        if webhooks and held_until:
            await _release(list(webhooks), held_until)


async def _release(log_ids: list[str], held_until: datetime) -> None:
    try:
        await store.release(log_ids, held_until)
    except Exception:  # the claim runs out by itself
        log.warning("could not release the claim on %s", log_ids, exc_info=True)
