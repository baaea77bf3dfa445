"""Creating payments in sets, on PostgreSQL.

A create locks its order, inserts the payment only if the order is still the merchant's,
unpaid and below its cap of attempts (`orders.payment_attempts`, counted up in the same
statement, so the cap holds under concurrent creates and across processes), and writes the
`payment.created` / `payment.pending` outbox rows (bodies built by the caller) if the merchant
has a webhook URL. The creates that arrive together run as one statement over `unnest(…)`
arrays: one round trip, one commit, one prepared plan, and no SQL text to quote per payment.
The order rows are locked in id order and read after the lock (a `FOR UPDATE` returns the
latest committed version), so an order paid meanwhile is seen as paid and an attempt counted
meanwhile is counted.

The caller does not read the order first: the bodies it builds carry `AMOUNT_MARK` and
`CURRENCY_MARK` where the order's amount and currency go, and the statement fills them in from
the locked order (`fill_order_values`), so a create is one round trip. The marks are JSON
strings with a `~`, which no other value of a payment body can hold (ids, VPAs, networks, digits,
timestamps and states have no `~`).

The outbox rows are written claimed (`claimed_until`) for the job the caller rings next, which
then sends them without a claim of its own; if that job is lost, the claim runs out and the
sweeper delivers them.

Same effects as the one-payment script below, which stays the fallback: a set that fails as a
whole wrote nothing (one statement), and each create then runs again on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import Executor, get_db
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.events import EventType

log = logging.getLogger("paygate.payments")

COLUMNS = (
    "id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured, force_fail,"
    " vpa, card_network, card_last4, error_code, error_description, process_after, created_at, updated_at"
)


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
    created_log_id: str
    created_body: str  # both bodies hold AMOUNT_MARK and CURRENCY_MARK for the order's values
    pending_log_id: str
    pending_body: str
    held_until: datetime  # the outbox rows are written claimed until then, for the job rung next


@dataclass(frozen=True)
class Created:
    row: dict | None  # the payment, None if it was not inserted
    locked_merchant_id: str | None  # the order's merchant under the lock; None if no such order
    locked_status: str | None  # the order's status under the lock (why a payment was not inserted)
    log_ids: list[str]  # its outbox rows, created then pending (none without a webhook URL)
    held_until: datetime | None = None  # their claim, for the job rung next


# Where the order's amount and currency go in a body built before the order was read.
AMOUNT_MARK = "~amount~"
CURRENCY_MARK = "~currency~"


def fill_order_values(body: str, amount: str, currency: str) -> str:
    """SQL that puts the order's `amount` and `currency` (SQL expressions) into a body's marks."""
    return (
        f"replace(replace({body}, '\"{AMOUNT_MARK}\"', ({amount})::text),"
        f" '\"{CURRENCY_MARK}\"', to_json(({currency})::text)::text)"
    )


_NAMES = [c.strip() for c in COLUMNS.split(",")]
_INS_COLUMNS = ", ".join(f"ins.{c}" for c in _NAMES)

_CREATE_MANY = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :ms::varchar[], :methods::varchar[], :ffs::bool[],
                            :vpas::varchar[], :nets::varchar[], :l4s::varchar[], :dues::timestamptz[],
                            :ats::timestamptz[], :log1s::varchar[], :body1s::text[], :log2s::varchar[],
                            :body2s::text[]) WITH ORDINALITY
         AS i(id, oid, m, method, ff, vpa, net, l4, due, at, log1, body1, log2, body2, n)),
     lk AS (
       SELECT id, merchant_id, amount, currency, status, payment_attempts FROM orders WHERE id = ANY(:oids::varchar[])
       ORDER BY id FOR UPDATE),
     ok AS (
       SELECT i.*, lk.payment_attempts + row_number() OVER (PARTITION BY i.oid ORDER BY i.n) AS attempt
       FROM i JOIN lk ON lk.id = i.oid WHERE lk.merchant_id = i.m AND lk.status = 'created'),
     ins AS (
       INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured,
           force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
       SELECT ok.id, lk.id, lk.merchant_id, lk.amount, 0, lk.currency, ok.method, 'pending', FALSE, ok.ff, ok.vpa,
              ok.net, ok.l4, ok.due, ok.at, ok.at
       FROM ok JOIN lk ON lk.id = ok.oid WHERE ok.attempt <= :cap
       RETURNING {COLUMNS}),
     counted AS (
       UPDATE orders o SET payment_attempts = o.payment_attempts + c.n
       FROM (SELECT order_id, COUNT(*) AS n FROM ins GROUP BY order_id) AS c WHERE o.id = c.order_id),
     ev AS (
       INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url, payment_id, refund_id,
           next_retry_at, created_at, updated_at, claimed_until)
       SELECT e.id, m.id, e.event, {fill_order_values("e.payload", "ins.amount", "ins.currency")}, 'pending', 0,
              m.webhook_url, ins.id, NULL, ins.created_at, ins.created_at, ins.created_at, :held_until
       FROM ins JOIN i ON i.id = ins.id JOIN merchants m ON m.id = ins.merchant_id
       CROSS JOIN LATERAL (VALUES (i.log1, :event1, i.body1), (i.log2, :event2, i.body2)) AS e(id, event, payload)
       WHERE m.webhook_url IS NOT NULL AND m.webhook_url <> ''
       RETURNING id, payment_id, event)
SELECT i.id AS request_id, lk.merchant_id AS locked_merchant_id, lk.status AS locked_status, {_INS_COLUMNS},
       ARRAY(SELECT ev.id FROM ev WHERE ev.payment_id = i.id ORDER BY ev.event) AS log_ids
FROM i LEFT JOIN lk ON lk.id = i.oid LEFT JOIN ins ON ins.id = i.id"""

_INSERT_PAYMENT = f"""WITH counted AS (
       UPDATE orders SET payment_attempts = payment_attempts + 1
       WHERE id = :oid AND merchant_id = :m AND status = 'created' AND payment_attempts < :cap
       RETURNING id, merchant_id, amount, currency)
   INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method,
       status, captured, force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
   SELECT :id, id, merchant_id, amount, 0, currency, :method, 'pending', FALSE, :ff, :vpa, :net, :l4, :due, :now, :now
   FROM counted
   RETURNING {COLUMNS}"""

# The outbox rows of a new payment, written only if the merchant has a webhook URL (as record_events).
_INSERT_CREATED_EVENTS = f"""INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url,
       payment_id, refund_id, next_retry_at, created_at, updated_at, claimed_until)
   SELECT e.id, m.id, e.event, {fill_order_values("e.payload", "p.amount", "p.currency")}, 'pending', 0,
          m.webhook_url, :pid, NULL, :now, :now, :now, :held
   FROM (SELECT :id1 AS id, :event1 AS event, :payload1 AS payload
         UNION ALL SELECT :id2, :event2, :payload2) AS e
   JOIN merchants m ON m.id = :m
   JOIN payments p ON p.id = :pid
   WHERE m.webhook_url IS NOT NULL AND m.webhook_url <> ''
   RETURNING id"""

_EVENTS = {"event1": str(EventType.PAYMENT_CREATED), "event2": str(EventType.PAYMENT_PENDING)}


async def create(item: NewPayment) -> Created:
    """Create with the others of the moment."""
    return await loop_batcher("payment-creates", _create_many).submit(item)


async def _create_many(items: list[NewPayment]) -> list[Created]:
    try:
        rows = {row["request_id"]: row for row in await _create_set(items)}
    except Exception:  # one statement: nothing was written; each runs again on its own below
        log.info("payment create batch of %d refused; creating one by one", len(items), exc_info=True)
    else:
        held = max(item.held_until for item in items)
        return [_created(rows[item.payment_id], held) for item in items]
    return [await create_one(item) for item in items]


def _created(row: dict, held_until: datetime) -> Created:
    payment = {c: row[c] for c in _NAMES} if row["id"] is not None else None
    return Created(
        row=payment,
        locked_merchant_id=row["locked_merchant_id"],
        locked_status=row["locked_status"],
        log_ids=list(row["log_ids"] or []),
        held_until=held_until,
    )


async def _create_set(items: list[NewPayment]) -> list[dict]:
    db = await get_db()
    return await db.fetch_all(
        _CREATE_MANY,
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
            "log1s": [i.created_log_id for i in items],
            "body1s": [i.created_body for i in items],
            "log2s": [i.pending_log_id for i in items],
            "body2s": [i.pending_body for i in items],
            "held_until": max(i.held_until for i in items),
            "cap": settings.max_payment_attempts_per_order,
            **_EVENTS,
        },
        binary_params=True,
    )


async def successful_payment_id(order_id: str, db: Executor | None = None) -> str | None:
    """The payment that paid this order (error path only: uses the one-success-per-order index)."""
    executor = db or await get_db()
    row = await executor.fetch_one(
        "SELECT id FROM payments WHERE order_id = :o AND status = 'success' LIMIT 1", {"o": order_id}
    )
    return row["id"] if row else None


async def create_one(item: NewPayment) -> Created:
    """`create` of one payment: one script (lock, insert, outbox rows), one round trip."""
    db = await get_db()
    locked, inserted, logs = await db.script(
        [
            ("SELECT merchant_id, status FROM orders WHERE id = :id FOR UPDATE", {"id": item.order_id}),
            (
                _INSERT_PAYMENT,
                {
                    "id": item.payment_id,
                    "oid": item.order_id,
                    "m": item.merchant_id,
                    "due": item.due,
                    "now": item.at,
                    "method": item.method,
                    "ff": item.force_fail,
                    "vpa": item.vpa,
                    "net": item.card_network,
                    "l4": item.card_last4,
                    "cap": settings.max_payment_attempts_per_order,
                },
            ),
            (
                _INSERT_CREATED_EVENTS,
                {
                    "pid": item.payment_id,
                    "m": item.merchant_id,
                    "now": item.at,
                    "id1": item.created_log_id,
                    "payload1": item.created_body,
                    "id2": item.pending_log_id,
                    "payload2": item.pending_body,
                    "held": item.held_until,
                    **_EVENTS,
                },
            ),
        ]
    )
    return Created(
        row=inserted[0] if inserted else None,
        locked_merchant_id=locked[0]["merchant_id"] if locked else None,
        locked_status=locked[0]["status"] if locked else None,
        log_ids=[r["id"] for r in logs],
        held_until=item.held_until,
    )
