"""Settling payments in sets, on PostgreSQL.

A settlement is one transition (lock the payment if still pending; mark its order paid if the
bank said yes and the order is unpaid; the payment becomes `success` exactly when that order
update happened, `failed` otherwise; write the outbox row of the outcome that happened if the
merchant has a webhook URL). The settlements that arrive together run as one statement over
`unnest(…)` arrays: one round trip, one commit, and one query text whatever the batch size, so
PostgreSQL plans it once (prepared) instead of parsing one CTE per payment.

Same effects as the one-payment statement below, which stays the fallback: a batch that fails
as a whole wrote nothing (one statement), and each of its payments is settled again on its own.
That is also how two payments of one order in one batch are decided (both approved: the
partial unique index on successful payments refuses the batch, and one at a time the second
finds the order paid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import get_db
from paygate_app.core.payments import COLUMNS
from paygate_app.core.webhooks.delivery import Claimed
from paygate_app.core.webhooks.events import EventType

log = logging.getLogger("paygate.processing")


@dataclass(frozen=True)
class Settlement:
    """One pending payment and the bank's answer, with both possible outbox bodies built."""

    payment_id: str
    order_id: str
    approved: bool
    error_code: str | None  # used when the payment ends failed
    error_description: str | None
    at: datetime
    log_id: str
    body_ok: str | None  # None when the bank declined: success is then impossible
    body_failed: str
    held_until: datetime  # the claim the outbox row is written with


def held_delivery(row: dict) -> Claimed | None:
    """The outcome's outbox row of a settled payment, as claimed for its first attempt."""
    if not row.get("log_id"):
        return None
    return Claimed(
        id=row["log_id"],
        merchant_id=row["log_merchant_id"],
        url=row["log_url"],
        payload=row["log_payload"],
        attempts=0,
        claimed_until=row["log_held_until"],
        webhook_secret=row["log_secret"],
    )


_RETURNING = ", ".join(f"u.{c.strip()}" for c in COLUMNS.split(","))

# The outbox row is written claimed by this process (`claimed_until`), and returned with what
# its first attempt needs, so the worker delivers it right away without a claim round trip.
# Should the process die first, the claim runs out and the sweeper delivers it.
_HELD = (
    "l.id AS log_id, l.merchant_id AS log_merchant_id, l.url AS log_url, l.payload AS log_payload,"
    " l.claimed_until AS log_held_until, m.webhook_secret AS log_secret"
)

_SETTLE_MANY = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :oks::bool[], :codes::varchar[],
                            :descs::varchar[], :ats::timestamptz[], :log_ids::varchar[], :ok_bodies::text[],
                            :failed_bodies::text[])
         AS i(id, oid, ok, code, descr, at, log_id, body_ok, body_failed)),
     p AS (
       SELECT id FROM payments WHERE id = ANY(:ids::varchar[]) AND status = 'pending' ORDER BY id FOR UPDATE),
     o AS (
       UPDATE orders SET status = 'paid', updated_at = i.at
       FROM i WHERE orders.id = i.oid AND orders.status = 'created' AND i.ok AND i.id IN (SELECT id FROM p)
       RETURNING orders.id),
     u AS (
       UPDATE payments SET
         status = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN 'success' ELSE 'failed' END,
         error_code = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN NULL ELSE i.code END,
         error_description = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN NULL ELSE i.descr END,
         updated_at = i.at
       FROM i WHERE payments.id = i.id AND payments.status = 'pending' AND i.id IN (SELECT id FROM p)
       RETURNING payments.*, i.log_id AS new_log_id, i.body_ok, i.body_failed, i.at),
     l AS (
       INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url,
           payment_id, refund_id, next_retry_at, created_at, updated_at, claimed_until)
       SELECT u.new_log_id, m.id,
              CASE WHEN u.status = 'success' THEN :event_ok ELSE :event_failed END,
              CASE WHEN u.status = 'success' THEN u.body_ok ELSE u.body_failed END,
              'pending', 0, m.webhook_url, u.id, NULL, u.at, u.at, u.at, :held_until
       FROM u JOIN merchants m ON m.id = u.merchant_id
       WHERE m.webhook_url IS NOT NULL AND m.webhook_url <> ''
       RETURNING id, payment_id, merchant_id, url, payload, claimed_until)
SELECT {_RETURNING}, {_HELD} FROM u LEFT JOIN l ON l.payment_id = u.id LEFT JOIN merchants m ON m.id = l.merchant_id"""

# One payment (the fallback, and SQL-wise the definition of a settlement).
SETTLE_ONE = f"""WITH p AS (
       SELECT id FROM payments WHERE id = :id AND status = 'pending' FOR UPDATE),
     o AS (
       UPDATE orders SET status = 'paid', updated_at = :now
       WHERE id = :oid AND status = 'created' AND :ok AND EXISTS (SELECT 1 FROM p) RETURNING id),
     u AS (
       UPDATE payments SET
         status = CASE WHEN EXISTS (SELECT 1 FROM o) THEN 'success' ELSE 'failed' END,
         error_code = CASE WHEN EXISTS (SELECT 1 FROM o) THEN NULL ELSE :code END,
         error_description = CASE WHEN EXISTS (SELECT 1 FROM o) THEN NULL ELSE :desc END,
         updated_at = :now
       WHERE id = :id AND status = 'pending' AND EXISTS (SELECT 1 FROM p)
       RETURNING {COLUMNS}),
     l AS (
       INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url,
           payment_id, refund_id, next_retry_at, created_at, updated_at, claimed_until)
       SELECT :log_id, m.id,
              CASE WHEN u.status = 'success' THEN :event_ok ELSE :event_failed END,
              CASE WHEN u.status = 'success' THEN :body_ok ELSE :body_failed END,
              'pending', 0, m.webhook_url, u.id, NULL, :now, :now, :now, :held_until
       FROM u JOIN merchants m ON m.id = u.merchant_id
       WHERE m.webhook_url IS NOT NULL AND m.webhook_url <> ''
       RETURNING id, merchant_id, url, payload, claimed_until)
SELECT u.*, {_HELD} FROM u LEFT JOIN l ON TRUE LEFT JOIN merchants m ON m.id = l.merchant_id"""

_EVENTS = {"event_ok": str(EventType.PAYMENT_SUCCESS), "event_failed": str(EventType.PAYMENT_FAILED)}


async def settle(item: Settlement) -> dict | None:
    """Settle with the others of the moment; the updated row (with `log_id`), None if it was not pending."""
    return await loop_batcher("payment-settles", _settle_many).submit(item)


async def _settle_many(items: list[Settlement]) -> list[dict | None]:
    # The same payment asked twice in one moment (a redelivered job beside the sweeper, say):
    # the first asker settles it; the others get None, as they would right after it.
    first: dict[str, Settlement] = {}
    for item in items:
        first.setdefault(item.payment_id, item)
    unique = list(first.values())
    rows: dict[str, dict | None] | None = None
    if len(unique) > 1:
        try:
            rows = {row["id"]: row for row in await _settle_set(unique)}
        except Exception:  # one statement: nothing was written; each runs again on its own below
            log.info("settlement batch of %d refused; settling one by one", len(unique), exc_info=True)
    if rows is None:
        rows = {item.payment_id: await settle_one(item) for item in unique}
    return [rows.get(item.payment_id) if first[item.payment_id] is item else None for item in items]


async def _settle_set(items: list[Settlement]) -> list[dict]:
    db = await get_db()
    return await db.fetch_all(
        _SETTLE_MANY,
        {
            "ids": [i.payment_id for i in items],
            "oids": [i.order_id for i in items],
            "oks": [i.approved for i in items],
            "codes": [i.error_code for i in items],
            "descs": [i.error_description for i in items],
            "ats": [i.at for i in items],
            "log_ids": [i.log_id for i in items],
            "ok_bodies": [i.body_ok for i in items],
            "failed_bodies": [i.body_failed for i in items],
            "held_until": max(i.held_until for i in items),
            **_EVENTS,
        },
        binary_params=True,
    )


async def settle_one(item: Settlement) -> dict | None:
    """`settle` of one payment in its own statement."""
    db = await get_db()
    rows = await db.fetch_all(
        SETTLE_ONE,
        {
            "id": item.payment_id,
            "oid": item.order_id,
            "ok": item.approved,
            "code": item.error_code,
            "desc": item.error_description,
            "now": item.at,
            "log_id": item.log_id,
            "body_ok": item.body_ok,
            "body_failed": item.body_failed,
            "held_until": item.held_until,
            **_EVENTS,
        },
    )
    return rows[0] if rows else None
