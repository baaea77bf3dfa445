"""Outbox: freeze an event's exact body and write its delivery row in the caller's transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson

from paygate_app.core.db import Executor, utcnow
from paygate_app.core.ids import new_uuid


class EventType(StrEnum):
    PAYMENT_CREATED = "payment.created"
    PAYMENT_PENDING = "payment.pending"
    PAYMENT_SUCCESS = "payment.success"
    PAYMENT_FAILED = "payment.failed"
    REFUND_CREATED = "refund.created"
    REFUND_PROCESSED = "refund.processed"
    WEBHOOK_TEST = "webhook.test"


# Where each event stands in the life of its object (the payment or refund in `data`): the
# body's `sequence`. Delivery order is not guaranteed (a retried event arrives after later
# ones), so receivers order a payment's events by it and ignore one older than what they have.
# Each object has one path through its state machine (docs/ARCHITECTURE.md): a payment is
# created, pending, then success or failed; a refund is created, then processed. An event is
# written once per object (a manual retry resends the same body), so its place on that path is
# a number that only grows. `webhook.test` belongs to no object: 0.
SEQUENCE: dict[EventType, int] = {
    EventType.PAYMENT_CREATED: 1,
    EventType.PAYMENT_PENDING: 2,
    EventType.PAYMENT_SUCCESS: 3,
    EventType.PAYMENT_FAILED: 3,
    EventType.REFUND_CREATED: 1,
    EventType.REFUND_PROCESSED: 2,
    EventType.WEBHOOK_TEST: 0,
}


def build_body(event: str, data: dict[str, Any]) -> str:
    """The exact body of one event: `{"event", "sequence", "timestamp", "data"}`."""
    body = {"event": event, "sequence": SEQUENCE[EventType(event)], "timestamp": int(time.time()), "data": data}
    return orjson.dumps(body).decode()


@dataclass(frozen=True)
class NewEvent:
    """One outbox row to write: the event's frozen body and where it goes."""

    id: str
    merchant_id: str
    event: str
    payload: str
    url: str
    at: datetime
    payment_id: str | None = None
    refund_id: str | None = None
    claimed_until: datetime | None = None  # written claimed for the job that delivers it next


def insert_from(source: str) -> str:
    """The outbox INSERT (the only one in the code) over `source`, a relation `e` with the columns
    (id, m, event, payload, url, pid, rid, at, held): insert_events() gives it arrays; the create and
    settle statements give it their inserted or updated rows, to write them in the same statement."""
    return f"""INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url, payment_id,
       refund_id, next_retry_at, created_at, updated_at, claimed_until)
   SELECT e.id, e.m, e.event, e.payload, 'pending', 0, e.url, e.pid, e.rid, e.at, e.at, e.at, e.held
   FROM {source}"""


_INSERT_SET = insert_from(
    """unnest(:ids::varchar[], :ms::varchar[], :events::varchar[], :payloads::text[], :urls::varchar[],
               :pids::varchar[], :rids::varchar[], :ats::timestamptz[], :helds::timestamptz[])
     AS e(id, m, event, payload, url, pid, rid, at, held)"""
)
_INSERT_ITEM = insert_from(
    "(SELECT :id AS id, :m AS m, :event AS event, :payload AS payload, :url AS url, :pid AS pid, :rid AS rid,"
    " :at AS at, :held AS held) AS e"
)


async def insert_events(tx: Executor, events: list[NewEvent]) -> None:
    """Write these outbox rows in the caller's transaction: one statement over arrays on
    PostgreSQL, one row at a time on SQLite."""
    if not events:
        return
    if tx.dialect == "postgresql":
        await tx.fetch_all(
            _INSERT_SET + " RETURNING id",
            {
                "ids": [e.id for e in events],
                "ms": [e.merchant_id for e in events],
                "events": [e.event for e in events],
                "payloads": [e.payload for e in events],
                "urls": [e.url for e in events],
                "pids": [e.payment_id for e in events],
                "rids": [e.refund_id for e in events],
                "ats": [e.at for e in events],
                "helds": [e.claimed_until for e in events],
            },
            binary_params=True,
        )
        return
    for e in events:
        await tx.execute(
            _INSERT_ITEM,
            {
                "id": e.id,
                "m": e.merchant_id,
                "event": e.event,
                "payload": e.payload,
                "url": e.url,
                "pid": e.payment_id,
                "rid": e.refund_id,
                "at": e.at,
                "held": e.claimed_until,
            },
        )


async def record_events(
    conn: Executor,
    *,
    merchant_id: str,
    events: list[tuple[str, dict[str, Any]]],
    payment_id: str | None = None,
    refund_id: str | None = None,
) -> list[str]:
    """Write one pending webhook log per event if the merchant has a webhook URL; return their ids.

    Runs inside the caller's transaction, so the state change and its events commit together.
    """
    merchant = await conn.fetch_one("SELECT webhook_url FROM merchants WHERE id = :id", {"id": merchant_id})
    url = merchant["webhook_url"] if merchant else None
    if not url:
        return []
    now = utcnow()
    rows = [
        NewEvent(new_uuid(), merchant_id, event, build_body(event, data), url, now, payment_id, refund_id)
        for event, data in events
    ]
    await insert_events(conn, rows)
    return [row.id for row in rows]
