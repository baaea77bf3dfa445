"""Settling payments: one function over a set, on both databases.

A settlement is one transition out of `pending` (core/payment_rows.py's TRANSITIONS): lock the
payment if still pending; mark its order paid if the bank said yes and the order is unpaid;
the payment becomes `success` exactly when that order update happened, `failed` otherwise;
then write the outbox row of the outcome, built here from the updated row, if the merchant has
a webhook URL. All in one transaction. The outbox row is written claimed by this process
(`claimed_until`) and returned with what its first attempt needs, so the worker delivers it
right away without a claim round trip; should the process die first, the claim runs out and
the sweeper delivers it.

The settlements that arrive together are one set (core/batching.py); one is a set of one. On
PostgreSQL the set is one statement over `unnest(…)` arrays and the outbox rows a second one in
the same pipelined transaction; SQLite runs the same steps item by item. A set that fails as a
whole wrote nothing, and each of its payments is settled again as a set of one. That is also
how two payments of one order in one set are decided (both approved: the partial unique index
on successful payments refuses the set, and one at a time the second finds the order paid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import Executor, get_db
from paygate_app.core.ids import new_uuid
from paygate_app.core.payment_rows import COLUMNS, NAMES, PaymentStatus, payment_public, settle_from, settle_to
from paygate_app.core.webhooks.events import EventType, NewEvent, build_body, insert_events
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


@dataclass(frozen=True)
class Settled:
    row: dict  # the payment after the transition
    held: Claimed | None  # its outcome's outbox row, claimed for its first attempt (None: no webhook URL)


# The states come from TRANSITIONS (a test checks this text against the table).
_FROM, _OK, _FAILED = settle_from().value, settle_to(True).value, settle_to(False).value
_RETURNING = ", ".join(f"u.{c}" for c in NAMES)

_SETTLE_SET = f"""WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :oids::varchar[], :oks::bool[], :codes::varchar[],
                            :descs::varchar[], :ats::timestamptz[])
         AS i(id, oid, ok, code, descr, at)),
     p AS (
       SELECT id FROM payments WHERE id = ANY(:ids::varchar[]) AND status = '{_FROM}' ORDER BY id FOR UPDATE),
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
       FROM i WHERE payments.id = i.id AND payments.status = '{_FROM}' AND i.id IN (SELECT id FROM p)
       RETURNING payments.*)
SELECT {_RETURNING}, m.webhook_url, m.webhook_secret FROM u JOIN merchants m ON m.id = u.merchant_id"""

# The same steps for one item (SQLite: one writer at a time, the transaction is the lock).
_PAY_ORDER = "UPDATE orders SET status = 'paid', updated_at = :at WHERE id = :oid AND status = 'created'"
_SETTLE_ITEM = f"""UPDATE payments SET status = :status, error_code = :code, error_description = :descr,
       updated_at = :at WHERE id = :id AND status = '{_FROM}' RETURNING {COLUMNS}"""
_PENDING = f"SELECT id FROM payments WHERE id = :id AND status = '{_FROM}'"
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
    db = await get_db()
    async with db.transaction(pipeline=True) as tx:
        if tx.dialect == "postgresql":
            found = await _settle_rows(tx, items)
        else:
            found = [row for item in items if (row := await _settle_item(tx, item))]
        rows = {row["id"]: row for row in found}
        events: dict[str, NewEvent] = {}
        for item in items:
            row = rows.get(item.payment_id)
            if row is None or not row["webhook_url"]:
                continue
            event = EVENTS[PaymentStatus(row["status"])]
            body = build_body(event, {"payment": payment_public(row)})
            events[item.payment_id] = NewEvent(
                new_uuid(), row["merchant_id"], str(event), body, row["webhook_url"], item.at,
                payment_id=item.payment_id, claimed_until=item.held_until,
            )  # fmt: skip
        await insert_events(tx, list(events.values()))
    out: list[Settled | None] = []
    for item in items:
        row = rows.get(item.payment_id)
        if row is None:
            out.append(None)
            continue
        event_row = events.get(item.payment_id)
        held = None
        if event_row is not None:
            held = Claimed(
                id=event_row.id,
                merchant_id=event_row.merchant_id,
                url=event_row.url,
                payload=event_row.payload,
                attempts=0,
                claimed_until=item.held_until,
                webhook_secret=row["webhook_secret"],
            )
        out.append(Settled(row={c: row[c] for c in NAMES}, held=held))
    return out


async def _settle_rows(tx: Executor, items: list[Settlement]) -> list[dict]:
    return await tx.fetch_all(
        _SETTLE_SET,
        {
            "ids": [i.payment_id for i in items],
            "oids": [i.order_id for i in items],
            "oks": [i.approved for i in items],
            "codes": [i.error_code for i in items],
            "descs": [i.error_description for i in items],
            "ats": [i.at for i in items],
        },
        binary_params=True,
    )


async def _settle_item(tx: Executor, item: Settlement) -> dict | None:
    pending = await tx.fetch_one(
        f"SELECT id FROM payments WHERE id = :id AND status = '{_FROM}'", {"id": item.payment_id}
    )
    if pending is None:
        return None
    paid = item.approved and await tx.execute(_PAY_ORDER, {"oid": item.order_id, "at": item.at}) == 1
    row = await tx.fetch_one(
        _SETTLE_ITEM,
        {
            "id": item.payment_id,
            "status": settle_to(paid).value,
            "code": None if paid else item.error_code,
            "descr": None if paid else item.error_description,
            "at": item.at,
        },
    )
    if row is None:
        return None
    merchant = await tx.fetch_one(_MERCHANT, {"id": row["merchant_id"]})
    return {
        **row,
        "webhook_url": merchant and merchant["webhook_url"],
        "webhook_secret": merchant and merchant["webhook_secret"],
    }
