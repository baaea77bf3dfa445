"""The tasks. Each takes an id; the core decides (idempotently) whether there is work to do."""

from __future__ import annotations

from paygate_app.core import processing
from paygate_app.core.jobs import JobKind
from tasks.broker import broker
from tasks.sweeper import in_flight


@broker.task(task_name=JobKind.PROCESS_PAYMENT.value)
async def process_payment(payment_id: str) -> None:
    in_flight.add(payment_id)
    try:
        await processing.process_payment(payment_id)
    finally:
        in_flight.discard(payment_id)


@broker.task(task_name=JobKind.PROCESS_REFUND.value)
async def process_refund(refund_id: str) -> None:
    in_flight.add(refund_id)
    try:
        await processing.process_refund(refund_id)
    finally:
        in_flight.discard(refund_id)


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


async def ring_taskiq(kind: JobKind, job_id: str) -> None:
    await TASKS[kind].kiq(job_id)
