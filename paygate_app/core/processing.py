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

from paygate_app.core import settle_pg
from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import get_db, utcnow
from paygate_app.core.ids import new_uuid
from paygate_app.core.observability import log_context, observe_payment
from paygate_app.core.payments import COLUMNS, payment_public
from paygate_app.core.processor import decide_payment
from paygate_app.core.refunds import REFUND_COLUMNS, refund_public
from paygate_app.core.webhooks.delivery import claim_seconds, deliver_held, deliver_now, deliver_written
from paygate_app.core.webhooks.events import EventType, build_body, record_events

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
    waits until due, settle it, then deliver the outcome's event. Returns the new status, None
    if another job settled it."""
    sends = asyncio.ensure_future(deliver_written(webhooks, held_until) if held_until else deliver_now(webhooks))
    try:
        return await process_payment(payment_id)
    finally:
        await sends


async def run_refund(refund_id: str, webhooks: Sequence[str] = ()) -> str | None:
    """The same for a refund: deliver `refund.created`, process it when due, deliver `refund.processed`."""
    sends = asyncio.ensure_future(deliver_now(webhooks))
    try:
        return await process_refund(refund_id)
    finally:
        await sends


async def process_payment(payment_id: str) -> str | None:
    """Settle a pending payment with the bank's outcome; returns the new status, None if not ours."""
    db = await get_db()
    with log_context(payment_id=payment_id):
        if db.dialect == "postgresql":
            status = await _process_payment_pg(db, payment_id)
        else:
            status = await _process_payment_tx(db, payment_id)
    if status is not None:
        observe_payment(status)  # only the one call that made the transition counts it
    return status


async def _process_payment_tx(db, payment_id: str) -> str | None:
    """The transition as a transaction of single statements (SQLite, one writer at a time)."""
    if not await _wait_until_due("payments", payment_id):
        return None
    log_ids: list[str] = []
    async with db.transaction() as tx:
        row = await tx.fetch_one(
            f"SELECT {COLUMNS} FROM payments WHERE id = :id AND status = 'pending'" + db.for_update, {"id": payment_id}
        )
        if row is None:
            return None
        outcome = decide_payment(
            method=row["method"],
            always_fails=bool(row["force_fail"]),
            vpa=row["vpa"],
            card_network=row["card_network"],
            card_last4=row["card_last4"],
        )
        now = utcnow()
        if outcome.success:
            paid = await tx.execute(
                "UPDATE orders SET status = 'paid', updated_at = :now WHERE id = :oid AND status = 'created'",
                {"oid": row["order_id"], "now": now},
            )
            if paid == 0:
                outcome = type(outcome)(False, *ORDER_ALREADY_PAID)
        status = "success" if outcome.success else "failed"
        updated = await tx.fetch_one(
            f"""UPDATE payments SET status = :status, error_code = :code, error_description = :desc,
                   updated_at = :now WHERE id = :id AND status = 'pending' RETURNING {COLUMNS}""",
            {
                "status": status,
                "code": outcome.error_code,
                "desc": outcome.error_description,
                "now": now,
                "id": payment_id,
            },
        )
        assert updated is not None
        event = EventType.PAYMENT_SUCCESS if outcome.success else EventType.PAYMENT_FAILED
        log_ids = await record_events(
            tx,
            merchant_id=row["merchant_id"],
            events=[(event, {"payment": payment_public(updated)})],
            payment_id=payment_id,
        )
    await deliver_now(log_ids)
    return status


ORDER_ALREADY_PAID = ("PAYMENT_FAILED", "Order has already been paid")


async def _process_payment_pg(db, payment_id: str) -> str | None:
    """Two round trips: read the pending row (and wait until due), then settle it (core/settle_pg.py);
    each in a set with the others of the moment (one read, one statement and commit for all)."""
    row = await loop_batcher("payment-reads", _read_payments).submit(payment_id)
    if row is None or row["status"] != "pending":
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
    code, desc = ORDER_ALREADY_PAID if outcome.success else (outcome.error_code, outcome.error_description)
    now = utcnow()
    ok_row = {**row, "status": "success", "error_code": None, "error_description": None, "updated_at": now}
    failed_row = {**row, "status": "failed", "error_code": code, "error_description": desc, "updated_at": now}
    updated = await settle_pg.settle(
        settle_pg.Settlement(
            payment_id=payment_id,
            order_id=row["order_id"],
            approved=outcome.success,
            error_code=code,
            error_description=desc,
            at=now,
            log_id=new_uuid(),
            body_ok=build_body(EventType.PAYMENT_SUCCESS, {"payment": payment_public(ok_row)})
            if outcome.success
            else None,
            body_failed=build_body(EventType.PAYMENT_FAILED, {"payment": payment_public(failed_row)}),
            held_until=now + timedelta(seconds=claim_seconds()),
        )
    )
    if updated is None:
        return None
    held = settle_pg.held_delivery(updated)
    if held is not None:
        await deliver_held([held])
    return updated["status"]


async def _read_payments(ids: list[str]) -> list[dict | None]:
    db = await get_db()
    rows = await db.fetch_all(
        f"SELECT {COLUMNS} FROM payments WHERE id = ANY(:ids::varchar[])", {"ids": list(set(ids))}, binary_params=True
    )
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
    db = await get_db()
    rows = await db.fetch_all(
        "SELECT id FROM payments WHERE status = 'pending' AND process_after < :t ORDER BY process_after LIMIT :n",
        {"t": utcnow() - timedelta(seconds=slack_seconds), "n": limit},
    )
    return [r["id"] for r in rows]


async def due_refund_ids(*, slack_seconds: float = 2.0, limit: int = 200) -> list[str]:
    db = await get_db()
    rows = await db.fetch_all(
        "SELECT id FROM refunds WHERE status = 'pending' AND process_after < :t ORDER BY process_after LIMIT :n",
        {"t": utcnow() - timedelta(seconds=slack_seconds), "n": limit},
    )
    return [r["id"] for r in rows]
