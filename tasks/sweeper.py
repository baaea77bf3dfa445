"""The safety net: find work that is due (or was dropped by the queue) and do it.

Every transition is a conditional UPDATE, so sweeping work a task is already doing is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import time

from paygate_app.core import idempotency, processing, queue
from paygate_app.core.observability import observe_sweep
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import deliver_webhook, due_webhooks
from paygate_app.core.webhooks.retention import purge_old_webhooks

log = logging.getLogger("paygate.sweeper")
last_sweep_at: float = 0.0
PAYMENT_BATCH = 200
WEBHOOK_BATCH = 500
# True when the last pass found a full batch of something: more is probably due, so the next
# pass starts at once instead of after `sweeper_interval` (a backlog of 5,000 events is then
# drained at delivery speed rather than 500 per interval).
last_pass_full: bool = False
FULL_PASS_PAUSE = 0.05  # s
# Ids a queued task of this process is working on right now (tasks/jobs.py): that work is not
# lost, so the sweeper leaves it to the task instead of repeating it alongside.
in_flight: set[str] = set()
# While the queue is handing this process work (a task started in the last QUEUE_ACTIVE
# seconds), work that is due but recent is most likely still in the queue, behind the tasks
# running now: the sweeper then takes only what is overdue by BUSY_SLACK (lost work) instead of
# doing the queue's work beside it (each queued job would then find its work done). Once the
# queue has been quiet for QUEUE_ACTIVE seconds, it takes everything due again; and for BUSY_SLACK
# seconds after this process's listener got the queue back from an outage (Redis down, restarted
# empty, flushed), since the work rung while it was gone is not in it.
QUEUE_ACTIVE = 5.0  # s
BUSY_SLACK = 30.0  # s
last_task_started: float = float("-inf")  # time.monotonic() of the newest task (tasks/jobs.py)


def queue_is_active() -> bool:
    now = time.monotonic()
    return now - last_task_started < QUEUE_ACTIVE and now - queue.found_again_at() >= BUSY_SLACK


def mark_task_started(ids: list[str]) -> None:
    """A queued task of this process starts work on these ids (tasks/jobs.py)."""
    global last_task_started
    last_task_started = time.monotonic()
    in_flight.update(ids)


async def _run_bounded(coros: list, limit: int) -> None:
    semaphore = asyncio.Semaphore(limit)

    async def guarded(coro) -> None:
        async with semaphore:
            try:
                await coro
            except Exception:
                log.exception("sweeper job failed")

    await asyncio.gather(*(guarded(c) for c in coros))


async def sweep_once() -> int:
    """One pass over payments, refunds and webhook deliveries that are due; returns jobs run."""
    global last_sweep_at, last_pass_full
    started = time.perf_counter()
    busy = queue_is_active()
    slack = {"slack_seconds": BUSY_SLACK} if busy else {}
    payment_ids = await processing.due_payment_ids(limit=PAYMENT_BATCH, **slack)
    refund_ids = await processing.due_refund_ids(limit=PAYMENT_BATCH, **slack)
    webhooks = await due_webhooks(limit=WEBHOOK_BATCH, first_attempt_slack=BUSY_SLACK if busy else 0.0)
    full = len(payment_ids) >= PAYMENT_BATCH or len(refund_ids) >= PAYMENT_BATCH or len(webhooks) >= WEBHOOK_BATCH
    # A due payment's own due events (created, pending: dropped with its job) go first, as its job
    # would have sent them, and its outcome after them (core/processing.py run_payment).
    settling = {i for i in payment_ids if i not in in_flight}
    first: dict[str, list[str]] = {}
    for log_id, payment_id in webhooks:
        if payment_id in settling and log_id not in in_flight:
            first.setdefault(payment_id, []).append(log_id)
    jobs = [processing.run_payment(i, first.get(i, [])) for i in payment_ids if i in settling]
    jobs += [processing.process_refund(i) for i in refund_ids if i not in in_flight]
    jobs += [deliver_webhook(i) for i, p in webhooks if i not in in_flight and p not in first]
    last_pass_full = full and bool(jobs)  # only hurry while there is work nobody here is doing
    await _run_bounded(jobs, settings.webhook_concurrency)
    last_sweep_at = time.time()
    observe_sweep(jobs=len(jobs), seconds=time.perf_counter() - started)
    return len(jobs)


async def run_sweeper(stop: asyncio.Event) -> None:
    purge_every, last_purge = 600.0, 0.0
    while not stop.is_set():
        full = False
        try:
            await sweep_once()
            full = last_pass_full
            if time.monotonic() - last_purge > purge_every:
                await idempotency.purge_expired()
                await purge_old_webhooks()  # WEBHOOK_RETENTION_DAYS, a bounded number of batches
                last_purge = time.monotonic()
        except Exception:
            log.warning("sweep failed; retrying", exc_info=True)
        # A full pass: go again almost at once (the short pause bounds a pass that keeps failing).
        pause = min(FULL_PASS_PAUSE, settings.sweeper_interval) if full else settings.sweeper_interval
        try:
            await asyncio.wait_for(stop.wait(), timeout=pause)
        except TimeoutError:
            pass
