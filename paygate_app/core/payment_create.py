"""Creating payments: one function over a set, on both databases.

A create locks its order, inserts the payment only if the order is still the merchant's,
unpaid and below its cap of attempts (`orders.payment_attempts`, counted up in the same
step, so the cap holds under concurrent creates and across processes), then writes the
`payment.created` / `payment.pending` outbox rows if the merchant has a webhook URL and, for a
create sent with an Idempotency-Key, completes the key with the 201 answer's exact bytes
(core/idempotency.py). All in one transaction: a payment is never committed without its events
and the answer a retry replays. A keyed create inserts only while its request still owns the
key (the key row locked with the order).

The row a create inserts is known before it runs: the request's values and the order's amount
and currency, which never change after the order's INSERT (core/orders.py `order_values`: kept
per process, else read once per set). So `_plan` builds the row, its events' bodies
(core/webhooks/events.py `build_body`) and the key's answer (`created_answer`) from those values
first, and the write inserts the payment only if the locked order still has that amount and
currency: what a body says is what the row holds. The bodies are built only for a merchant with
a webhook URL (core/webhooks/config.py `has_webhook_url`, kept per process); a create planned
without them for a merchant that has a URL at the write writes nothing and is planned again, so
no payment is committed without its events.

The creates that arrive together are one set (core/batching.py); one create is a set of one.
On PostgreSQL the set is one statement (its own transaction, one round trip): the order rows
locked in id order and read after the lock (an order paid meanwhile is seen as paid, an attempt
counted meanwhile is counted), the payments inserted over `unnest(…)` arrays, and the outbox
rows and keys' answers written by CTEs of the same statement. SQLite runs the same steps item by
item in one transaction. A set that fails as a whole wrote nothing, and each of its creates
runs again as a set of one.

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
from paygate_app.core.errors import UnexpectedState
from paygate_app.core.idempotency import Claim, complete_from, complete_in
from paygate_app.core.ids import new_uuid
from paygate_app.core.orders import forget_values, order_values
from paygate_app.core.payment_rows import COLUMNS, NAMES, PaymentStatus, created_answer, payment_public
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.config import forget_hooks, has_webhook_url
from paygate_app.core.webhooks.events import EventType, NewEvent, build_body, insert_events, insert_from

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


EVENTS = (EventType.PAYMENT_CREATED, EventType.PAYMENT_PENDING)


@dataclass(frozen=True)
class _Plan:
    """What a create writes if the lock lets it: the row, its events and its key's answer."""

    row: dict
    event_ids: tuple[str, ...]  # one per EVENTS, none if the merchant had no webhook URL
    bodies: tuple[str, ...]
    answer: bytes | None  # the 201 answer, for a keyed create


def _plan(item: NewPayment, amount: int, currency: str, hooks: bool) -> _Plan:
    row = {
        "id": item.payment_id, "order_id": item.order_id, "merchant_id": item.merchant_id, "amount": amount,
        "amount_refunded": 0, "currency": currency, "method": item.method, "status": PaymentStatus.PENDING.value,
        "captured": False, "force_fail": item.force_fail, "vpa": item.vpa, "card_network": item.card_network,
        "card_last4": item.card_last4, "error_code": None, "error_description": None, "process_after": item.due,
        "created_at": item.at, "updated_at": item.at,
    }  # fmt: skip
    events = EVENTS if hooks else ()
    public = {"payment": payment_public(row)} if hooks else {}
    return _Plan(
        row=row,
        event_ids=tuple(new_uuid() for _ in events),
        bodies=tuple(build_body(event, public) for event in events),
        answer=created_answer(row) if item.claim is not None else None,
    )


_INS_COLUMNS = ", ".join(f"ins.{c}" for c in NAMES)
# The outbox rows of the inserted payments whose merchant has a webhook URL, and their keys' answers.
_EVENT_ROWS = """(SELECT x.id, i.m, x.event, x.payload, hook.webhook_url AS url, i.id AS pid, NULL::varchar AS rid,
          i.at, i.held
   FROM hook JOIN i ON i.id = hook.id
   CROSS JOIN LATERAL (VALUES (i.e1, :ev1::varchar, i.b1), (i.e2, :ev2::varchar, i.b2)) AS x(id, event, payload)
  ) AS e"""
_ANSWERS = """(SELECT i.ks AS m, i.kk AS k, i.kt AS t, 201 AS s, i.answer AS b
   FROM i JOIN ins ON ins.id = i.id WHERE i.ks IS NOT NULL) AS u"""

_CREATE_SET = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :ms::varchar[], :methods::varchar[], :ffs::bool[],
                            :vpas::varchar[], :nets::varchar[], :l4s::varchar[], :dues::timestamptz[],
                            :ats::timestamptz[], :kss::varchar[], :kks::varchar[], :kts::varchar[],
                            :amounts::bigint[], :curs::varchar[], :e1s::varchar[], :e2s::varchar[],
                            :b1s::text[], :b2s::text[], :answers::text[], :helds::timestamptz[]) WITH ORDINALITY
         AS i(id, oid, m, method, ff, vpa, net, l4, due, at, ks, kk, kt, amount, cur, e1, e2, b1, b2, answer, held, n)),
     lk AS (
       SELECT id, merchant_id, amount, currency, status, payment_attempts FROM orders WHERE id = ANY(:oids::varchar[])
       ORDER BY id FOR UPDATE),
     owned AS (
       SELECT k.merchant_id, k.key FROM idempotency_keys k JOIN i ON k.merchant_id = i.ks AND k.key = i.kk
       WHERE i.ks IS NOT NULL AND k.owner = i.kt AND k.status = 'processing'
       ORDER BY k.merchant_id, k.key FOR UPDATE OF k),
     mh AS (
       SELECT id, COALESCE(webhook_url, '') <> '' AS hooks FROM merchants WHERE id = ANY(:ms::varchar[])),
     ok AS (
       SELECT i.*, lk.payment_attempts + row_number() OVER (PARTITION BY i.oid ORDER BY i.n) AS attempt
       FROM i JOIN lk ON lk.id = i.oid JOIN mh ON mh.id = i.m
       WHERE lk.merchant_id = i.m AND lk.status = 'created' AND lk.amount = i.amount AND lk.currency = i.cur
         AND (i.b1 IS NOT NULL OR NOT mh.hooks)
         AND (i.ks IS NULL OR EXISTS (SELECT 1 FROM owned o WHERE o.merchant_id = i.ks AND o.key = i.kk))),
     ins AS (
       INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured,
           force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
       SELECT ok.id, ok.oid, ok.m, ok.amount, 0, ok.cur, ok.method, 'pending', FALSE, ok.ff, ok.vpa,
              ok.net, ok.l4, ok.due, ok.at, ok.at
       FROM ok WHERE ok.attempt <= :cap
       RETURNING {COLUMNS}),
     counted AS (
       UPDATE orders o SET payment_attempts = o.payment_attempts + c.n
       FROM (SELECT order_id, COUNT(*) AS n FROM ins GROUP BY order_id) AS c WHERE o.id = c.order_id),
     hook AS (
       SELECT ins.id, m.webhook_url FROM ins JOIN merchants m ON m.id = ins.merchant_id WHERE m.webhook_url <> ''),
     logged AS ({insert_from(_EVENT_ROWS)}),
     answered AS ({complete_from(_ANSWERS)})
SELECT i.id AS request_id, lk.merchant_id AS locked_merchant_id, lk.status AS locked_status,
       (lk.amount = i.amount AND lk.currency = i.cur) AS values_held,
       (i.b1 IS NULL AND mh.hooks) AS hooks_unplanned, {_INS_COLUMNS}, hook.webhook_url,
       (i.ks IS NOT NULL AND NOT EXISTS (SELECT 1 FROM owned o WHERE o.merchant_id = i.ks AND o.key = i.kk))
         AS claim_lost
FROM i LEFT JOIN lk ON lk.id = i.oid LEFT JOIN mh ON mh.id = i.m LEFT JOIN ins ON ins.id = i.id
  LEFT JOIN hook ON hook.id = ins.id"""

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


async def create_set(items: list[NewPayment], *, again: bool = True) -> list[Created]:
    """Create these payments, their outbox rows and their keys' answers in one transaction."""
    values = await order_values([item.order_id for item in items])
    hooks = await has_webhook_url([item.merchant_id for item in items])
    plans = {
        item.payment_id: _plan(item, *values[item.order_id], hooks.get(item.merchant_id, False))
        for item in items
        if item.order_id in values
    }
    db = await get_db()
    if db.dialect == "postgresql":
        found = await _write_set(db, items, plans)
    else:
        async with db.transaction() as tx:
            found = [await _write_item(tx, item, plans.get(item.payment_id)) for item in items]
    rows = {row["request_id"]: row for row in found}
    out = {item.payment_id: _created(item, rows[item.payment_id], plans.get(item.payment_id)) for item in items}
    # An order whose values were not as kept or read here (created after the read, or edited by
    # hand), or a merchant planned without a webhook URL that has one now: nothing was written
    # for it; read again and run it once more.
    stale = [item for item in items if _stale(rows[item.payment_id])]
    if stale:
        if not again:
            raise UnexpectedState("The order changed while the payment was being created")
        for item in stale:
            forget_values(item.order_id)
            forget_hooks(item.merchant_id)
        out.update(zip([i.payment_id for i in stale], await create_set(stale, again=False), strict=True))
    return [out[item.payment_id] for item in items]


def _stale(row: dict) -> bool:
    planned = row["values_held"] and not row["hooks_unplanned"]
    return row["id"] is None and row["locked_merchant_id"] is not None and not planned


def _created(item: NewPayment, row: dict, plan: _Plan | None) -> Created:
    made = row["id"] is not None
    if made and item.claim is not None:
        item.claim.recorded = True
    return Created(
        row={c: row[c] for c in NAMES} if made else None,
        locked_merchant_id=row["locked_merchant_id"],
        locked_status=row["locked_status"],
        log_ids=list(plan.event_ids) if made and plan is not None and row["webhook_url"] else [],
        held_until=item.held_until,
        claim_lost=bool(row["claim_lost"]),
    )


async def _write_set(db, items: list[NewPayment], plans: dict[str, _Plan]) -> list[dict]:
    def each(get):
        return [get(plans[i.payment_id]) if i.payment_id in plans else None for i in items]

    return await db.fetch_all(
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
            "amounts": each(lambda p: p.row["amount"]),
            "curs": each(lambda p: p.row["currency"]),
            "e1s": each(lambda p: p.event_ids[0] if p.bodies else None),
            "e2s": each(lambda p: p.event_ids[1] if p.bodies else None),
            "b1s": each(lambda p: p.bodies[0] if p.bodies else None),
            "b2s": each(lambda p: p.bodies[1] if p.bodies else None),
            "answers": each(lambda p: p.answer.decode() if p.answer is not None else None),
            "helds": [i.held_until for i in items],
            "ev1": str(EVENTS[0]),
            "ev2": str(EVENTS[1]),
            "cap": settings.max_payment_attempts_per_order,
        },
        binary_params=True,
    )


async def _write_item(tx: Executor, item: NewPayment, plan: _Plan | None) -> dict:
    order = await tx.fetch_one(_LOCK_ORDER, {"id": item.order_id})
    found: dict = {
        "request_id": item.payment_id,
        "locked_merchant_id": order["merchant_id"] if order else None,
        "locked_status": order["status"] if order else None,
        "values_held": None,
        "hooks_unplanned": False,
        "webhook_url": None,
        "claim_lost": False,
        **dict.fromkeys(NAMES),
    }
    if order is None or plan is None:
        return found
    found["values_held"] = (order["amount"], order["currency"]) == (plan.row["amount"], plan.row["currency"])
    merchant = await tx.fetch_one(_WEBHOOK_URL, {"id": item.merchant_id})
    url = merchant["webhook_url"] if merchant else None
    found["hooks_unplanned"] = bool(url) and not plan.bodies
    claim = item.claim
    if claim is not None and not await tx.fetch_one(_HOLD_KEY, {"m": claim.scope, "k": claim.key, "t": claim.token}):
        return {**found, "claim_lost": True}
    if (
        not found["values_held"]
        or found["hooks_unplanned"]
        or order["merchant_id"] != item.merchant_id
        or order["status"] != "created"
        or order["payment_attempts"] >= settings.max_payment_attempts_per_order
    ):
        return found
    await tx.execute(_COUNT_ATTEMPT, {"id": item.order_id})
    p = plan.row
    row = await tx.fetch_one(
        _INSERT_ITEM,
        {
            "id": p["id"], "oid": p["order_id"], "m": p["merchant_id"], "amount": p["amount"], "cur": p["currency"],
            "method": p["method"], "ff": p["force_fail"], "vpa": p["vpa"], "net": p["card_network"],
            "l4": p["card_last4"], "due": p["process_after"], "at": p["created_at"],
        },
    )  # fmt: skip
    if url and plan.bodies:
        await insert_events(
            tx,
            [
                NewEvent(event_id, item.merchant_id, str(event), body, url, item.at, payment_id=item.payment_id,
                         claimed_until=item.held_until)
                for event_id, event, body in zip(plan.event_ids, EVENTS, plan.bodies, strict=True)
            ],
        )  # fmt: skip
    if claim is not None and plan.answer is not None:
        await complete_in(tx, claim, status=201, body=plan.answer)
    return {**found, **(row or {}), "webhook_url": url}


async def successful_payment_id(order_id: str) -> str | None:
    """The payment that paid this order (error path only: uses the one-success-per-order index)."""
    db = await get_db()
    row = await db.fetch_one(
        "SELECT id FROM payments WHERE order_id = :o AND status = 'success' LIMIT 1", {"o": order_id}
    )
    return row["id"] if row else None
