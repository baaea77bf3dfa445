"""Webhook delivery: claim → send → record, with the retry schedule kept in the database.

A delivery is a few typed phases (svix-style):

1. claim: a conditional UPDATE leases one due `pending` log (`claimed_until`), so two
   workers (a queued job and the sweeper, say) never send the same attempt twice;
2. send: POST the frozen payload bytes, signed with the merchant's current secret, with
   `webhook-id` = the log id on every attempt; the sender returns a `SendResult`;
3. record: one transaction appends a `webhook_attempts` row (numbered on across manual
   retries) and moves the log to `success`, `failed`, or `pending` with `next_retry_at`.

The schedule is data: `settings.webhook_retry_schedule[n]` seconds after the end of
attempt n, for n = 1..len-1; after the last one fails the log is `failed`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound
from paygate_app.core.jobs import JobKind, ring
from paygate_app.core.observability import observe_webhook_attempt, webhook_outcome
from paygate_app.core.settings import settings
from paygate_app.core.webhooks import store
from paygate_app.core.webhooks.config import (
    get_config,
    regenerate_webhook_secret,
    set_webhook_url,
)
from paygate_app.core.webhooks.events import EventType, record_events
from paygate_app.core.webhooks.logs import get_log, list_logs
from paygate_app.core.webhooks.sender import (
    SendResult,
    _get_sender,
    _Sender,
    acquire_by,
    close_http_client,
    send,
)
from paygate_app.core.webhooks.signing import sign
from paygate_app.core.webhooks.store import Attempt, Claimed

log = logging.getLogger("paygate.webhooks")
HELD_MARGIN_SECONDS = 5.0  # a held log is sent only with a send's timeout plus this left of its claim


def retry_schedule() -> list[float]:
    """Seconds to wait before an attempt, indexed by the attempts already made (0 = first)."""
    return list(settings.webhook_retry_schedule)


def max_attempts() -> int:
    return len(retry_schedule())


def claim_seconds() -> float:
    """How long a claim holds: comfortably longer than one send."""
    return max(30.0, settings.webhook_timeout * 2 + 10)


# --- phases ---------------------------------------------------------------------------


async def claim(log_id: str) -> Claimed | None:
    """Lease a due pending log for one attempt; None if it is not due, done or taken."""
    return await store.claim(log_id, claim_seconds())


def _next_state(attempts_done: int, result: SendResult, end: datetime) -> tuple[str, datetime | None]:
    if result.ok:
        return "success", None
    if result.gone or attempts_done >= max_attempts():
        return "failed", None
    return "pending", end + timedelta(seconds=retry_schedule()[attempts_done])


async def record(job: Claimed, result: SendResult, *, started_at: datetime) -> str:
    """Append the attempt and move the log on, in one transaction; returns the log status."""
    end = utcnow()
    status, next_retry_at = _next_state(job.attempts + 1, result, end)
    return await store.record(Attempt(job, result, started_at, end, status, next_retry_at))


async def deliver_webhook(log_id: str) -> str | None:
    """One delivery attempt if the log is due and unclaimed; returns the new status or None."""
    job = await claim(log_id)
    if job is None:
        return None
    return await _attempt_fairly(_get_sender(), job)


async def deliver_claimed(job: Claimed) -> str | None:
    """One attempt of a log this process already holds (written with its claim, as a
    settlement does), without a claim round trip; returns the new status (None: not sent)."""
    return await _attempt_fairly(_get_sender(), job)


async def _attempt_fairly(sender: _Sender, job: Claimed) -> str | None:
    """`_attempt` once a slot of the job's merchant and then a shared slot are free.

    The merchant's gate comes first, so its backlog waits there without holding shared slots.
    Waiting ends while the claim still covers a whole send: a job that got no slot by then is
    left alone (None), its claim runs out and the sweeper delivers it later; never sent twice.
    """
    loop_now = asyncio.get_running_loop().time()
    left = (job.claimed_until - utcnow()).total_seconds() - settings.webhook_timeout - HELD_MARGIN_SECONDS
    deadline = loop_now + left
    gate = sender.gate(job.merchant_id)
    try:
        if not await acquire_by(gate.slots, deadline):
            log.debug("webhook %s: its merchant has a full share in flight; left to the sweeper", job.id)
            return None
        try:
            if not await acquire_by(sender.slots, deadline):
                log.debug("webhook %s: no send slot in time; left to the sweeper", job.id)
                return None
            try:
                return await _attempt(sender, job)
            finally:
                sender.slots.release()
        finally:
            gate.slots.release()
    finally:
        sender.leave(job.merchant_id, gate)


async def _attempt(sender: _Sender, job: Claimed) -> str:
    """Send the held log's payload, signed, and record the outcome (fenced by the claim)."""
    secret = job.webhook_secret
    if secret is None:
        db = await get_db()
        merchant = await db.fetch_one("SELECT webhook_secret FROM merchants WHERE id = :id", {"id": job.merchant_id})
        secret = merchant["webhook_secret"]
    started_at = utcnow()
    body = job.payload.encode("utf-8")
    headers = {"Content-Type": "application/json"}
    headers |= sign(body, secret, msg_id=job.id, timestamp=int(time.time()))
    result = await send(sender.client, job.url, body, headers)
    status = await record(job, result, started_at=started_at)
    observe_webhook_attempt(webhook_outcome(result.response_code, result.error), result.duration_ms / 1000)
    return status


async def deliver_now(log_ids: Sequence[str]) -> None:
    """Deliver these logs here and now, together (the events a job just wrote or was handed).

    Never raises: a delivery that could not run leaves its log pending and due, and the
    sweeper delivers it.
    """
    await _deliver_all(list(log_ids), [deliver_webhook(i) for i in log_ids])


async def deliver_held(jobs: Sequence[Claimed]) -> None:
    """Deliver logs this process holds the claim of (written claimed); never raises, as deliver_now."""
    await _deliver_all([job.id for job in jobs], [deliver_claimed(job) for job in jobs])


async def _deliver_all(log_ids: list[str], deliveries: list) -> None:
    results = await asyncio.gather(*deliveries, return_exceptions=True)
    for log_id, result in zip(log_ids, results, strict=True):
        if isinstance(result, Exception):
            log.warning("delivery of %s failed; the sweeper will retry it", log_id, exc_info=result)


async def deliver_written(log_ids: Sequence[str], held_until: datetime) -> None:
    """Deliver logs written claimed until `held_until` for this job, without claiming them again.

    A log whose claim is no longer that one (a manual retry took it over) or that is no longer
    pending is left alone. When too little of the claim is left for a send, the logs go through
    the usual claim (which waits for the claim to run out; the sweeper then delivers them).
    """
    if not log_ids:
        return
    if (held_until - utcnow()).total_seconds() < settings.webhook_timeout + HELD_MARGIN_SECONDS:
        await deliver_now(log_ids)
        return
    await deliver_held(await store.read_held(list(log_ids), held_until))


async def due_webhook_ids(limit: int = 200, *, first_attempt_slack: float = 0.0) -> list[str]:
    """Pending logs whose next attempt is due and that nobody holds a claim on; first attempts
    (which were rung into the queue) only once overdue by `first_attempt_slack` seconds."""
    return [log_id for log_id, _ in await due_webhooks(limit, first_attempt_slack=first_attempt_slack)]


async def due_webhooks(limit: int = 200, *, first_attempt_slack: float = 0.0) -> list[tuple[str, str | None]]:
    """due_webhook_ids() with each log's payment id (None for other events)."""
    db = await get_db()
    now = utcnow()
    rows = await db.fetch_all(
        """SELECT id, payment_id FROM webhook_logs
           WHERE status = 'pending' AND next_retry_at <= :now
             AND (claimed_until IS NULL OR claimed_until < :now)
             AND (attempts > 0 OR next_retry_at <= :first_due)
           ORDER BY next_retry_at LIMIT :n"""
        + db.skip_locked,
        {"now": now, "first_due": now - timedelta(seconds=first_attempt_slack), "n": limit},
    )
    return [(r["id"], r["payment_id"]) for r in rows]


# --- merchant actions -----------------------------------------------------------------


async def retry_webhook(log_id: str, merchant_id: str) -> str:
    """Manual retry of any log: attempts reset, delivery now, same id; history is kept.

    The log is re-pointed at the merchant's current webhook URL when one is set, so a
    merchant who fixed their endpoint can replay failed events to it.
    """
    db = await get_db()
    now = utcnow()
    row = await db.fetch_one(
        """UPDATE webhook_logs SET status = 'pending', attempts = 0, next_retry_at = :now,
               claimed_until = NULL, updated_at = :now,
               url = COALESCE((SELECT m.webhook_url FROM merchants m
                               WHERE m.id = webhook_logs.merchant_id
                                 AND m.webhook_url IS NOT NULL AND m.webhook_url <> ''), url)
           WHERE id = :id AND merchant_id = :m RETURNING id""",
        {"id": log_id, "m": merchant_id, "now": now},
    )
    if row is None:
        raise NotFound("Webhook log not found")
    await ring(JobKind.DELIVER_WEBHOOK, row["id"])
    return row["id"]


async def send_test_event(merchant_id: str) -> str:
    """Queue a `webhook.test` event to the configured URL; returns its log id."""
    db = await get_db()
    async with db.transaction() as tx:
        ids = await record_events(
            tx,
            merchant_id=merchant_id,
            events=[
                (
                    EventType.WEBHOOK_TEST,
                    {"message": "Test webhook from Paygate", "merchant_id": merchant_id},
                )
            ],
        )
    if not ids:
        raise BadRequest("No webhook URL configured")
    await ring(JobKind.DELIVER_WEBHOOK, ids[0])
    return ids[0]


# Convenience re-exports: the whole webhook surface from one module.
__all__ = [
    "Claimed",
    "SendResult",
    "claim",
    "close_http_client",
    "deliver_claimed",
    "deliver_held",
    "deliver_now",
    "deliver_webhook",
    "deliver_written",
    "due_webhook_ids",
    "due_webhooks",
    "get_config",
    "get_log",
    "list_logs",
    "record",
    "regenerate_webhook_secret",
    "retry_schedule",
    "retry_webhook",
    "send",
    "send_test_event",
    "set_webhook_url",
]
