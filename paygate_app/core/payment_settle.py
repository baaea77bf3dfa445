"""Settling payments: one function over a set, on both databases.

A settlement is one transition out of `pending` (core/payment_rows.py's TRANSITIONS): lock the
payment if still pending; mark its order paid if the bank said yes and the order is unpaid;
the payment becomes `success` exactly when that order update happened, `failed` otherwise;
then write the outbox row of the outcome if the merchant has a webhook URL. All in one
transaction.

The caller read the pending row to decide the bank's answer (core/processing.py); nothing but a
settlement changes a pending payment, so the row each outcome would leave is known from it, and
`_plan` builds the outcome's body from that row (core/webhooks/events.py `build_body`), one body
per status the payment may end in (an approved payment ends failed if another payment paid its
order first). The write settles a payment only if it is still the row that was read (status
pending, same `updated_at`) and picks the body of the status it ends in. The outbox row is
written claimed by this process (`claimed_until`) and returned with what its first attempt
needs, so the worker delivers it right away without a claim round trip; should the process die
first, the claim runs out and the sweeper delivers it.

The settlements that arrive together are one set (core/batching.py); one is a set of one. On
PostgreSQL the set is one statement over `unnest(…)` arrays (its own transaction, one round
trip), the outbox rows written by a CTE of it; SQLite runs the same steps item by item in one
transaction. A set that fails as a whole wrote nothing, and each of its payments is settled
again as a set of one. That is also how two payments of one order in one set are decided (both
approved: the partial unique index on successful payments refuses the set, and one at a time
the second finds the order paid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import Executor, get_db
from paygate_app.core.ids import new_uuid
from paygate_app.core.payment_rows import COLUMNS, NAMES, PaymentStatus, payment_public, settle_from, settle_to
from paygate_app.core.webhooks.events import EventType, NewEvent, build_body, insert_events, insert_from
from paygate_app.core.webhooks.store import Claimed

log = logging.getLogger("paygate.processing")

EVENTS = {PaymentStatus.SUCCESS: EventType.PAYMENT_SUCCESS, PaymentStatus.FAILED: EventType.PAYMENT_FAILED}


@dataclass(frozen=True)
class Settlement:
    """One pending payment and the bank's answer."""

    payment_id: str
    order_id: str
    approved: bool
    error_code: str | None  # used when the payment ends failed
    error_description: str | None
    at: datetime
    held_until: datetime  # the claim the outbox row is written with
    row: dict  # the pending payment as the caller read it (all of payment_rows.NAMES)


@dataclass(frozen=True)
class _Plan:
    """The outcome's outbox row before the write: its id and its body by the status it may end in."""

    event_id: str
    bodies: dict[PaymentStatus, str]


def outcome_row(item: Settlement, status: PaymentStatus) -> dict:
    """The payment as a settlement to `status` leaves it."""
    paid = status == settle_to(True)
    return {
        **item.row,
        "status": status.value,
        "error_code": None if paid else item.error_code,
        "error_description": None if paid else item.error_description,
        "updated_at": item.at,
    }


def _plan(item: Settlement) -> _Plan:
    ends = {settle_to(True), settle_to(False)} if item.approved else {settle_to(False)}
    return _Plan(
        event_id=new_uuid(),
        bodies={s: build_body(EVENTS[s], {"payment": payment_public(outcome_row(item, s))}) for s in ends},
    )


@dataclass(frozen=True)
class Settled:
    row: dict  # the payment after the transition
    held: Claimed | None  # its outcome's outbox row, claimed for its first attempt (None: no webhook URL)


# The states come from TRANSITIONS (a test checks this text against the table). The status tests
# are written `(...) IS TRUE`, which no index matches, so a set's rows are always found by their
# ids: a plan cached per connection (prepared statements) while few payments were pending used to
# walk every pending payment through ix_payments_status instead, and with a backlog of pending
# payments that cost ~4x the PostgreSQL CPU per payment (bench/README.md, session 8).
_FROM, _OK, _FAILED = settle_from().value, settle_to(True).value, settle_to(False).value
_RETURNING = ", ".join(f"u.{c}" for c in NAMES)

# The outcome's outbox row of each settled payment whose merchant has a webhook URL.
_EVENT_ROWS = f"""(SELECT i.eid AS id, u.merchant_id AS m,
          CASE WHEN u.status = '{_OK}' THEN :ev_ok::varchar ELSE :ev_failed::varchar END AS event,
          CASE WHEN u.status = '{_OK}' THEN i.bok ELSE i.bfail END AS payload,
          hook.webhook_url AS url, u.id AS pid, NULL::varchar AS rid, i.at, i.held
   FROM u JOIN i ON i.id = u.id JOIN hook ON hook.id = u.id WHERE hook.webhook_url <> '') AS e"""

_SETTLE_SET = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :oks::bool[], :codes::varchar[],
                            :descs::varchar[], :ats::timestamptz[], :seens::timestamptz[], :eids::varchar[],
                            :boks::text[], :bfails::text[], :helds::timestamptz[])
         AS i(id, oid, ok, code, descr, at, seen, eid, bok, bfail, held)),
     p AS (
       SELECT payments.id FROM payments JOIN i ON i.id = payments.id
       WHERE (payments.status = '{_FROM}') IS TRUE AND payments.updated_at = i.seen
       ORDER BY payments.id FOR UPDATE OF payments),
     o AS (
       UPDATE orders SET status = 'paid', updated_at = i.at
       FROM i WHERE orders.id = i.oid AND orders.status = 'created' AND i.ok AND i.id IN (SELECT id FROM p)
       RETURNING orders.id),
     u AS (
       UPDATE payments SET
         status = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN '{_OK}' ELSE '{_FAILED}' END,
         error_code = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN NULL ELSE i.code END,
         error_description = CASE WHEN i.ok AND i.oid IN (SELECT id FROM o) THEN NULL ELSE i.descr END,
         updated_at = i.at
       FROM i WHERE payments.id = i.id AND (payments.status = '{_FROM}') IS TRUE AND i.id IN (SELECT id FROM p)
       RETURNING payments.*),
     hook AS (
       SELECT u.id, m.webhook_url, m.webhook_secret FROM u JOIN merchants m ON m.id = u.merchant_id),
     logged AS ({insert_from(_EVENT_ROWS)})
SELECT {_RETURNING}, hook.webhook_url, hook.webhook_secret FROM u JOIN hook ON hook.id = u.id"""

# The same steps for one item (SQLite: one writer at a time, the transaction is the lock).
_PAY_ORDER = "UPDATE orders SET status = 'paid', updated_at = :at WHERE id = :oid AND status = 'created'"
_SETTLE_ITEM = f"""UPDATE payments SET status = :status, error_code = :code, error_description = :descr,
       updated_at = :at WHERE id = :id AND status = '{_FROM}' RETURNING {COLUMNS}"""
_PENDING = f"SELECT id FROM payments WHERE id = :id AND status = '{_FROM}' AND updated_at = :seen"
_MERCHANT = "SELECT webhook_url, webhook_secret FROM merchants WHERE id = :id"


async def settle(item: Settlement) -> Settled | None:
    """Settle with the others of the moment; None if the payment was not pending."""
    return await loop_batcher("payment-settles", _settle_many).submit(item)


async def _settle_many(items: list[Settlement]) -> list[Settled | None]:
    # The same payment asked twice in one moment (a redelivered job beside the sweeper, say):
    # the first asker settles it; the others get None, as they would right after it.
    first: dict[str, Settlement] = {}
    for item in items:
        first.setdefault(item.payment_id, item)
    unique = list(first.values())
    done: dict[str, Settled | None] | None = None
    if len(unique) > 1:
        try:
            done = dict(zip(first, await settle_set(unique), strict=True))
        except Exception:  # one transaction: nothing was written; each runs again on its own below
            log.info("settlement batch of %d refused; settling one by one", len(unique), exc_info=True)
    if done is None:
        done = {item.payment_id: (await settle_set([item]))[0] for item in unique}
    return [done[item.payment_id] if first[item.payment_id] is item else None for item in items]


async def settle_set(items: list[Settlement]) -> list[Settled | None]:
    """Settle these (distinct) payments and write their outcomes' outbox rows in one transaction."""
    plans = {item.payment_id: _plan(item) for item in items}
    db = await get_db()
    if db.dialect == "postgresql":
        found = await _settle_rows(db, items, plans)
    else:
        async with db.transaction() as tx:
            found = [row for item in items if (row := await _settle_item(tx, item, plans[item.payment_id]))]
    rows = {row["id"]: row for row in found}
    out: list[Settled | None] = []
    for item in items:
        row = rows.get(item.payment_id)
        if row is None:
            out.append(None)
            continue
        held = None
        if row["webhook_url"]:
            held = Claimed(
                id=plans[item.payment_id].event_id,
                merchant_id=row["merchant_id"],
                url=row["webhook_url"],
                payload=plans[item.payment_id].bodies[PaymentStatus(row["status"])],
                attempts=0,
                claimed_until=item.held_until,
                webhook_secret=row["webhook_secret"],
            )
        out.append(Settled(row={c: row[c] for c in NAMES}, held=held))
    return out


async def _settle_rows(db, items: list[Settlement], plans: dict[str, _Plan]) -> list[dict]:
    ok, failed = settle_to(True), settle_to(False)
    return await db.fetch_all(
        _SETTLE_SET,
        {
            "ids": [i.payment_id for i in items],
            "oids": [i.order_id for i in items],
            "oks": [i.approved for i in items],
            "codes": [i.error_code for i in items],
            "descs": [i.error_description for i in items],
            "ats": [i.at for i in items],
            "seens": [i.row["updated_at"] for i in items],
            "eids": [plans[i.payment_id].event_id for i in items],
            "boks": [plans[i.payment_id].bodies.get(ok) for i in items],
            "bfails": [plans[i.payment_id].bodies[failed] for i in items],
            "helds": [i.held_until for i in items],
            "ev_ok": str(EVENTS[ok]),
            "ev_failed": str(EVENTS[failed]),
        },
        binary_params=True,
    )


async def _settle_item(tx: Executor, item: Settlement, plan: _Plan) -> dict | None:
    pending = await tx.fetch_one(_PENDING, {"id": item.payment_id, "seen": item.row["updated_at"]})
    if pending is None:
        return None
    paid = item.approved and await tx.execute(_PAY_ORDER, {"oid": item.order_id, "at": item.at}) == 1
    status = settle_to(paid)
    row = await tx.fetch_one(
        _SETTLE_ITEM,
        {
            "id": item.payment_id,
            "status": status.value,
            "code": None if paid else item.error_code,
            "descr": None if paid else item.error_description,
            "at": item.at,
        },
    )
    if row is None:
        return None
    merchant = await tx.fetch_one(_MERCHANT, {"id": row["merchant_id"]})
    url = merchant and merchant["webhook_url"]
    if url:
        event = NewEvent(plan.event_id, row["merchant_id"], str(EVENTS[status]), plan.bodies[status], url, item.at,
                         payment_id=item.payment_id, claimed_until=item.held_until)  # fmt: skip
        await insert_events(tx, [event])
    return {**row, "webhook_url": url, "webhook_secret": merchant and merchant["webhook_secret"]}
