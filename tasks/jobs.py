"""The tasks. Each takes an id; the core decides (idempotently) whether there is work to do.

A payment's or refund's job also carries the ids of the webhook logs written with it, and
delivers them: one message per new payment instead of one per event.
"""

from __future__ import annotations

from collections.abc import Sequence

from paygate_app.core import processing
from paygate_app.core.jobs import JobKind
from tasks.broker import broker
from tasks.sweeper import in_flight


@broker.task(task_name=JobKind.PROCESS_PAYMENT.value)
async def process_payment(payment_id: str, webhooks: list[str] | None = None) -> None:
    ids = [payment_id, *(webhooks or ())]
    in_flight.update(ids)
    try:
        await processing.run_payment(payment_id, webhooks or ())
    finally:
        in_flight.difference_update(ids)


@broker.task(task_name=JobKind.PROCESS_REFUND.value)
async def process_refund(refund_id: str, webhooks: list[str] | None = None) -> None:
    ids = [refund_id, *(webhooks or ())]
    in_flight.update(ids)
    try:
        await processing.run_refund(refund_id, webhooks or ())
    finally:
        in_flight.difference_update(ids)


@broker.task(task_name=JobKind.DELIVER_WEBHOOK.value)
async def deliver_webhook(log_id: str) -> None:
    from paygate_app.core.webhooks.delivery import deliver_webhook as deliver

    in_flight.add(log_id)
    try:
        await deliver(log_id)
    finally:
        in_flight.discard(log_id)


TASKS = {
    JobKind.PROCESS_PAYMENT: process_payment,
    JobKind.PROCESS_REFUND: process_refund,
    JobKind.DELIVER_WEBHOOK: deliver_webhook,
}


async def ring_taskiq(kind: JobKind, job_id: str, webhooks: Sequence[str] = ()) -> None:
    if webhooks:
        await TASKS[kind].kiq(job_id, list(webhooks))
    else:
        await TASKS[kind].kiq(job_id)
