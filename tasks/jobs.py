"""The tasks. Each takes an id; the core decides (idempotently) whether there is work to do.

A payment's or refund's job also carries the ids of the webhook logs written with it, and
delivers them: one message per new payment instead of one per event. The payments rung in one
moment (a batch of creates commits together) travel as one `process_payments` message, so a
busy worker parses, schedules and acknowledges one message per batch, not per payment.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from paygate_app.core import processing
from paygate_app.core.jobs import PAYMENTS_TASK, JobKind
from paygate_app.core.queue import broker
from paygate_app.core.webhooks.delivery import deliver_webhook as deliver
from tasks.sweeper import in_flight, mark_task_started

log = logging.getLogger("paygate.tasks")


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
    mark_task_started([log_id])
    try:
        await deliver(log_id)
    finally:
        in_flight.discard(log_id)
