"""The tasks. Each takes an id; the core decides (idempotently) whether there is work to do.

A payment's or refund's job also carries the ids of the webhook logs written with it, and
delivers them: one message per new payment instead of one per event. The payments rung in one
moment (a batch of creates commits together) travel as one `process_payments` message, so a
busy worker parses, schedules and acknowledges one message per batch, not per payment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from paygate_app.core import processing
from paygate_app.core.batching import loop_batcher
from paygate_app.core.jobs import JobKind
from tasks.broker import broker
from tasks.sweeper import in_flight, mark_task_started

log = logging.getLogger("paygate.tasks")
PAYMENTS_TASK = "process_payments"


@broker.task(task_name=JobKind.PROCESS_PAYMENT.value)
async def process_payment(payment_id: str, webhooks: list[str] | None = None, held_until: str | None = None) -> None:
    ids = [payment_id, *(webhooks or ())]
    mark_task_started(ids)
    try:
        held = datetime.fromisoformat(held_until) if held_until else None
        await processing.run_payment(payment_id, webhooks or (), held_until=held)
    finally:
        in_flight.difference_update(ids)


@broker.task(task_name=PAYMENTS_TASK)
async def process_payments(payments: list[list]) -> None:
    """Several payments rung in one moment: `[[payment_id, [webhook ids], held_until], ...]`, each
    run as `process_payment`, all at once; one failing does not stop the others (the sweeper has it)."""
    results = await asyncio.gather(*(process_payment.original_func(*item) for item in payments), return_exceptions=True)
    for (payment_id, *_), result in zip(payments, results, strict=True):
        if isinstance(result, Exception):
            log.warning("payment %s failed in its job; the sweeper will retry it", payment_id, exc_info=result)


@broker.task(task_name=JobKind.PROCESS_REFUND.value)
async def process_refund(refund_id: str, webhooks: list[str] | None = None) -> None:
    ids = [refund_id, *(webhooks or ())]
    mark_task_started(ids)
    try:
        await processing.run_refund(refund_id, webhooks or ())
    finally:
        in_flight.difference_update(ids)


@broker.task(task_name=JobKind.DELIVER_WEBHOOK.value)
async def deliver_webhook(log_id: str) -> None:
    from paygate_app.core.webhooks.delivery import deliver_webhook as deliver

    mark_task_started([log_id])
    try:
        await deliver(log_id)
    finally:
        in_flight.discard(log_id)


TASKS = {
    JobKind.PROCESS_PAYMENT: process_payment,
    JobKind.PROCESS_REFUND: process_refund,
    JobKind.DELIVER_WEBHOOK: deliver_webhook,
}


async def _kiq_payments(items: list[list]) -> list[None]:
    if len(items) == 1:
        await process_payment.kiq(*items[0])
    else:
        await process_payments.kiq(items)
    return [None] * len(items)


async def ring_taskiq(
    kind: JobKind, job_id: str, webhooks: Sequence[str] = (), held_until: datetime | None = None
) -> None:
    if kind is JobKind.PROCESS_PAYMENT:
        item = [job_id, list(webhooks), held_until.isoformat() if held_until else None]
        await loop_batcher("payment-rings", _kiq_payments).submit(item)
    elif webhooks:
        await TASKS[kind].kiq(job_id, list(webhooks))
    else:
        await TASKS[kind].kiq(job_id)
