"""Worker-side transitions. Each is idempotent: a conditional UPDATE … WHERE status='pending'
decides the single winner, so a job delivered twice (or run by the sweeper too) changes nothing.

The worker that makes a transition delivers its webhook itself, right after the commit, rather
than queueing another job for it: the outbox row is already committed, so if this process dies
before the delivery is recorded the sweeper delivers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import get_db, utcnow
from paygate_app.core.observability import log_context, observe_payment
from paygate_app.core.payment_rows import COLUMNS, PaymentStatus
from paygate_app.core.payment_settle import Settlement, settle
from paygate_app.core.processor import decide_payment
from paygate_app.core.refunds import REFUND_COLUMNS, refund_public
from paygate_app.core.webhooks.delivery import claim_seconds, deliver_held, deliver_now, deliver_written
from paygate_app.core.webhooks.events import EventType, record_events

MAX_WAIT_SECONDS = 60.0


async def _wait_until_due(table: str, row_id: str) -> bool:
    """Sleep until the row's process_after; False if it is no longer pending."""
    db = await get_db()
    row = await db.fetch_one(f"SELECT status, process_after FROM {table} WHERE id = :id", {"id": row_id})
    if row is None or row["status"] != "pending":
        return False
    remaining = (row["process_after"] - utcnow()).total_seconds()
    if remaining > 0:
        await asyncio.sleep(min(remaining, MAX_WAIT_SECONDS))
    return True


async def run_payment(
    payment_id: str, webhooks: Sequence[str] = (), *, held_until: datetime | None = None
) -> str | None:
    """A new payment's background work as one job: deliver the events written with it
    (`payment.created`, `payment.pending`; written claimed until `held_until`, if given) while it
    waits until due, settle it, then deliver the outcome's event once those were sent. Returns
    the new status, None if another job settled it."""
    sends = asyncio.ensure_future(deliver_written(webhooks, held_until) if held_until else deliver_now(webhooks))
    try:
        return await process_payment(payment_id, first=sends)
    finally:
        await sends


async def run_refund(refund_id: str, webhooks: Sequence[str] = ()) -> str | None:
    """The same for a refund: deliver `refund.created`, process it when due, deliver `refund.processed`."""
    sends = asyncio.ensure_future(deliver_now(webhooks))
    try:
        return await process_refund(refund_id)
    finally:
        await sends


async def process_payment(payment_id: str, *, first: asyncio.Future | None = None) -> str | None:
    """Settle a pending payment with the bank's outcome; returns the new status, None if not ours.

    Two steps: read the pending row (and wait until it is due), then settle that row
    (core/payment_settle.py, one transaction); each with the others of the moment. `first`: the
    sending of the payment's earlier events (created, pending), running meanwhile; the outcome's
    event is sent after it ends, so a receiver gets a payment's events in their order whenever
    each is answered on its first attempt (`sequence` orders the rest, README "Ordering").
    """
    with log_context(payment_id=payment_id):
        status = await _settle_when_due(payment_id, first)
    if status is not None:
        observe_payment(status)  # only the one call that made the transition counts it
    return status


ORDER_ALREADY_PAID = ("PAYMENT_FAILED", "Order has already been paid")


async def _settle_when_due(payment_id: str, first: asyncio.Future | None) -> str | None:
    row = await loop_batcher("payment-reads", _read_payments).submit(payment_id)
    if row is None or row["status"] != PaymentStatus.PENDING:
        return None
    remaining = (row["process_after"] - utcnow()).total_seconds()
    if remaining > 0:
        await asyncio.sleep(min(remaining, MAX_WAIT_SECONDS))
    outcome = decide_payment(
        method=row["method"],
        always_fails=bool(row["force_fail"]),
        vpa=row["vpa"],
        card_network=row["card_network"],
        card_last4=row["card_last4"],
    )
    # The failure recorded if the payment ends failed: the bank's, or "order already paid" when
    # the bank said yes but another payment paid the order first.
    code, desc = ORDER_ALREADY_PAID if outcome.success else (outcome.error_code, outcome.error_description)
    now = utcnow()
    settled = await settle(
        Settlement(
            payment_id=payment_id,
            order_id=row["order_id"],
            approved=outcome.success,
            error_code=code,
            error_description=desc,
            at=now,
            held_until=now + timedelta(seconds=claim_seconds()),
            row=row,
        )
    )
    if settled is None:
        return None
    if settled.held is not None:
        if first is not None:
            await asyncio.wait([first])  # never raises, and a cancel here leaves `first` running
        await deliver_held([settled.held])
    return settled.row["status"]


async def _read_payments(ids: list[str]) -> list[dict | None]:
    db = await get_db()
    if db.dialect == "postgresql":
        query = f"SELECT {COLUMNS} FROM payments WHERE id = ANY(:ids::varchar[])"
        rows = await db.fetch_all(query, {"ids": list(set(ids))}, binary_params=True)
    else:
        query = f"SELECT {COLUMNS} FROM payments WHERE id = :id"
        rows = [r for i in set(ids) if (r := await db.fetch_one(query, {"id": i}))]
    by_id = {r["id"]: r for r in rows}
    return [by_id.get(i) for i in ids]


async def process_refund(refund_id: str) -> str | None:
    if not await _wait_until_due("refunds", refund_id):
        return None
    db = await get_db()
    async with db.transaction() as tx:
        now = utcnow()
        updated = await tx.fetch_one(
            f"""UPDATE refunds SET status = 'processed', processed_at = :now, updated_at = :now
                WHERE id = :id AND status = 'pending' RETURNING {REFUND_COLUMNS}""",
            {"id": refund_id, "now": now},
        )
        if updated is None:
            return None
        log_ids = await record_events(
            tx,
            merchant_id=updated["merchant_id"],
            events=[(EventType.REFUND_PROCESSED, {"refund": refund_public(updated)})],
            payment_id=updated["payment_id"],
            refund_id=refund_id,
        )
    await deliver_now(log_ids)
    return "processed"


async def due_payment_ids(*, slack_seconds: float = 2.0, limit: int = 200) -> list[str]:
    """Pending payments overdue by `slack_seconds` whose job looks lost (for the sweeper).

    A payment whose first events are still held by a job (written claimed, not yet attempted) is
    left to that job, which is alive but late (a backlog): settling it here would send its
    outcome before them. If the job is lost, the claim runs out, and the sweeper then takes the
    events and the payment together (tasks/sweeper.py).
    """
    db = await get_db()
    now = utcnow()
    rows = await db.fetch_all(
        """SELECT id FROM payments p WHERE status = 'pending' AND process_after < :t
             AND NOT EXISTS (SELECT 1 FROM webhook_logs w WHERE w.payment_id = p.id AND w.status = 'pending'
                             AND w.attempts = 0 AND w.claimed_until > :now)
           ORDER BY process_after LIMIT :n""",
        {"t": now - timedelta(seconds=slack_seconds), "now": now, "n": limit},
    )
    return [r["id"] for r in rows]


async def due_refund_ids(*, slack_seconds: float = 2.0, limit: int = 200) -> list[str]:
    db = await get_db()
    rows = await db.fetch_all(
        "SELECT id FROM refunds WHERE status = 'pending' AND process_after < :t ORDER BY process_after LIMIT :n",
        {"t": utcnow() - timedelta(seconds=slack_seconds), "n": limit},
    )
    return [r["id"] for r in rows]
