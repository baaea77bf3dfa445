"""Creating payments: one function over a set, on both databases.

A create locks its order, inserts the payment only if the order is still the merchant's,
unpaid and below its cap of attempts (`orders.payment_attempts`, counted up in the same
step, so the cap holds under concurrent creates and across processes), then writes the
`payment.created` / `payment.pending` outbox rows if the merchant has a webhook URL, with
bodies built here from the inserted row (core/webhooks/events.py), and, for a create sent with an
Idempotency-Key, completes the key with the 201 answer's exact bytes (core/idempotency.py). All
in one transaction: a payment is never committed without the answer a retry replays. A keyed
create inserts only while its request still owns the key (the key row locked with the order).

The creates that arrive together are one set (core/batching.py); one create is a set of one.
On PostgreSQL the set is one statement over `unnest(…)` arrays (the order rows are locked in
id order and read after the lock, so an order paid meanwhile is seen as paid and an attempt
counted meanwhile is counted), and the outbox rows a second statement in the same pipelined
transaction, with the keys' answers in one more statement sent along with it: two round
trips per set. SQLite runs the same steps item by item. A set that fails
as a whole wrote nothing, and each of its creates runs again as a set of one.

The outbox rows are written claimed (`claimed_until`) for the job the caller rings next, which
then sends them without a claim of its own; if that job is lost, the claim runs out and the
sweeper delivers them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import Executor, get_db
from paygate_app.core.idempotency import Claim, complete_set_in
from paygate_app.core.ids import new_uuid
from paygate_app.core.payment_rows import COLUMNS, NAMES, created_answer, payment_public
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.events import EventType, NewEvent, build_body, insert_events

log = logging.getLogger("paygate.payments")


@dataclass(frozen=True)
class NewPayment:
    payment_id: str
    order_id: str
    merchant_id: str
    method: str
    force_fail: bool
    vpa: str | None
    card_network: str | None
    card_last4: str | None
    due: datetime
    at: datetime
    held_until: datetime  # the outbox rows are written claimed until then, for the job rung next
    claim: Claim | None = None  # its Idempotency-Key: completed with the answer in the same transaction


@dataclass(frozen=True)
class Created:
    row: dict | None  # the payment, None if it was not inserted
    locked_merchant_id: str | None  # the order's merchant under the lock; None if no such order
    locked_status: str | None  # the order's status under the lock (why a payment was not inserted)
    log_ids: list[str]  # its outbox rows, created then pending (none without a webhook URL)
    held_until: datetime | None = None  # their claim, for the job rung next
    claim_lost: bool = False  # not inserted: its request no longer owns its Idempotency-Key


_INS_COLUMNS = ", ".join(f"ins.{c}" for c in NAMES)

_CREATE_SET = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :ms::varchar[], :methods::varchar[], :ffs::bool[],
                            :vpas::varchar[], :nets::varchar[], :l4s::varchar[], :dues::timestamptz[],
                            :ats::timestamptz[], :kss::varchar[], :kks::varchar[], :kts::varchar[]) WITH ORDINALITY
         AS i(id, oid, m, method, ff, vpa, net, l4, due, at, ks, kk, kt, n)),
     lk AS (
       SELECT id, merchant_id, amount, currency, status, payment_attempts FROM orders WHERE id = ANY(:oids::varchar[])
       ORDER BY id FOR UPDATE),
     held AS (
       SELECT k.merchant_id, k.key FROM idempotency_keys k JOIN i ON k.merchant_id = i.ks AND k.key = i.kk
       WHERE i.ks IS NOT NULL AND k.owner = i.kt AND k.status = 'processing'
       ORDER BY k.merchant_id, k.key FOR UPDATE OF k),
     ok AS (
       SELECT i.*, lk.payment_attempts + row_number() OVER (PARTITION BY i.oid ORDER BY i.n) AS attempt
       FROM i JOIN lk ON lk.id = i.oid WHERE lk.merchant_id = i.m AND lk.status = 'created'
         AND (i.ks IS NULL OR EXISTS (SELECT 1 FROM held h WHERE h.merchant_id = i.ks AND h.key = i.kk))),
     ins AS (
       INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured,
           force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
       SELECT ok.id, lk.id, lk.merchant_id, lk.amount, 0, lk.currency, ok.method, 'pending', FALSE, ok.ff, ok.vpa,
              ok.net, ok.l4, ok.due, ok.at, ok.at
       FROM ok JOIN lk ON lk.id = ok.oid WHERE ok.attempt <= :cap
       RETURNING {COLUMNS}),
     counted AS (
       UPDATE orders o SET payment_attempts = o.payment_attempts + c.n
       FROM (SELECT order_id, COUNT(*) AS n FROM ins GROUP BY order_id) AS c WHERE o.id = c.order_id)
SELECT i.id AS request_id, lk.merchant_id AS locked_merchant_id, lk.status AS locked_status, {_INS_COLUMNS},
       m.webhook_url,
       (i.ks IS NOT NULL AND NOT EXISTS (SELECT 1 FROM held h WHERE h.merchant_id = i.ks AND h.key = i.kk))
         AS claim_lost
FROM i LEFT JOIN lk ON lk.id = i.oid LEFT JOIN ins ON ins.id = i.id LEFT JOIN merchants m ON m.id = ins.merchant_id"""

# The same steps for one item (SQLite: one writer at a time, the transaction is the lock).
_LOCK_ORDER = "SELECT id, merchant_id, amount, currency, status, payment_attempts FROM orders WHERE id = :id"
_COUNT_ATTEMPT = "UPDATE orders SET payment_attempts = payment_attempts + 1 WHERE id = :id"
_INSERT_ITEM = f"""INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method,
       status, captured, force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
   VALUES (:id, :oid, :m, :amount, 0, :cur, :method, 'pending', FALSE, :ff, :vpa, :net, :l4, :due, :at, :at)
   RETURNING {COLUMNS}"""
_WEBHOOK_URL = "SELECT webhook_url FROM merchants WHERE id = :id"
_HOLD_KEY = """SELECT key FROM idempotency_keys
   WHERE merchant_id = :m AND key = :k AND owner = :t AND status = 'processing'"""


async def create(item: NewPayment) -> Created:
    """Create with the others of the moment."""
    return await loop_batcher("payment-creates", _create_many).submit(item)


async def _create_many(items: list[NewPayment]) -> list[Created]:
    if len(items) > 1:
        try:
            return await create_set(items)
        except Exception:  # one transaction: nothing was written; each runs again on its own below
            log.info("payment create batch of %d refused; creating one by one", len(items), exc_info=True)
    return [(await create_set([item]))[0] for item in items]


async def create_set(items: list[NewPayment]) -> list[Created]:
    """Create these payments, their outbox rows and their keys' answers in one transaction."""
    db = await get_db()
    async with db.transaction(pipeline=True) as tx:
        if tx.dialect == "postgresql":
            found = await _lock_and_insert_set(tx, items)
        else:
            found = [await _lock_and_insert_item(tx, item) for item in items]
        rows = {row["request_id"]: row for row in found}
        events: list[NewEvent] = []
        log_ids: dict[str, list[str]] = {}
        answers = [
            (item.claim, 201, created_answer(rows[item.payment_id]))
            for item in items
            if item.claim is not None and rows[item.payment_id]["id"] is not None
        ]
        await complete_set_in(tx, answers)
        for item in items:
            row = rows[item.payment_id]
            if row["id"] is None or not row["webhook_url"]:
                continue
            public = {"payment": payment_public(row)}
            mine = [
                NewEvent(new_uuid(), item.merchant_id, str(event), build_body(event, public), row["webhook_url"],
                         item.at, payment_id=item.payment_id, claimed_until=item.held_until)
                for event in (EventType.PAYMENT_CREATED, EventType.PAYMENT_PENDING)
            ]  # fmt: skip
            events += mine
            log_ids[item.payment_id] = [e.id for e in mine]
        await insert_events(tx, events)
    for claim, _, _ in answers:
        claim.recorded = True
    return [_created(rows[item.payment_id], log_ids.get(item.payment_id, []), item.held_until) for item in items]


def _created(row: dict, log_ids: list[str], held_until: datetime) -> Created:
    return Created(
        row={c: row[c] for c in NAMES} if row["id"] is not None else None,
        locked_merchant_id=row["locked_merchant_id"],
        locked_status=row["locked_status"],
        log_ids=log_ids,
        held_until=held_until,
        claim_lost=bool(row["claim_lost"]),
    )


async def _lock_and_insert_set(tx: Executor, items: list[NewPayment]) -> list[dict]:
    return await tx.fetch_all(
        _CREATE_SET,
        {
            "ids": [i.payment_id for i in items],
            "oids": [i.order_id for i in items],
            "ms": [i.merchant_id for i in items],
            "methods": [i.method for i in items],
            "ffs": [i.force_fail for i in items],
            "vpas": [i.vpa for i in items],
            "nets": [i.card_network for i in items],
            "l4s": [i.card_last4 for i in items],
            "dues": [i.due for i in items],
            "ats": [i.at for i in items],
            "kss": [i.claim.scope if i.claim else None for i in items],
            "kks": [i.claim.key if i.claim else None for i in items],
            "kts": [i.claim.token if i.claim else None for i in items],
            "cap": settings.max_payment_attempts_per_order,
        },
        binary_params=True,
    )


async def _lock_and_insert_item(tx: Executor, item: NewPayment) -> dict:
    order = await tx.fetch_one(_LOCK_ORDER, {"id": item.order_id})
    found: dict = {
        "request_id": item.payment_id,
        "locked_merchant_id": order["merchant_id"] if order else None,
        "locked_status": order["status"] if order else None,
        "webhook_url": None,
        "claim_lost": False,
        **dict.fromkeys(NAMES),
    }
    claim = item.claim
    if claim is not None and not await tx.fetch_one(_HOLD_KEY, {"m": claim.scope, "k": claim.key, "t": claim.token}):
        return {**found, "claim_lost": True}
    if (
        order is None
        or order["merchant_id"] != item.merchant_id
        or order["status"] != "created"
        or order["payment_attempts"] >= settings.max_payment_attempts_per_order
    ):
        return found
    await tx.execute(_COUNT_ATTEMPT, {"id": item.order_id})
    row = await tx.fetch_one(
        _INSERT_ITEM,
        {
            "id": item.payment_id, "oid": item.order_id, "m": item.merchant_id, "amount": order["amount"],
            "cur": order["currency"], "method": item.method, "ff": item.force_fail, "vpa": item.vpa,
            "net": item.card_network, "l4": item.card_last4, "due": item.due, "at": item.at,
        },
    )  # fmt: skip
    merchant = await tx.fetch_one(_WEBHOOK_URL, {"id": item.merchant_id})
    return {**found, **(row or {}), "webhook_url": merchant["webhook_url"] if merchant else None}


async def successful_payment_id(order_id: str) -> str | None:
    """The payment that paid this order (error path only: uses the one-success-per-order index)."""
    db = await get_db()
    row = await db.fetch_one(
        "SELECT id FROM payments WHERE order_id = :o AND status = 'success' LIMIT 1", {"o": order_id}
    )
    return row["id"] if row else None
