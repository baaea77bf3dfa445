"""Outbox: freeze an event's exact body and write its delivery row in the caller's transaction."""

from __future__ import annotations

import time
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


def build_body(event: str, data: dict[str, Any]) -> str:
    return orjson.dumps({"event": event, "timestamp": int(time.time()), "data": data}).decode()


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
    ids: list[str] = []
    for event, data in events:
        log_id = new_uuid()
        await conn.execute(
            """INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url,
                   payment_id, refund_id, next_retry_at, created_at, updated_at)
               VALUES (:id, :m, :event, :payload, 'pending', 0, :url, :pid, :rid, :now, :now, :now)""",
            {
                "id": log_id,
                "m": merchant_id,
                "event": event,
                "payload": build_body(event, data),
                "url": url,
                "pid": payment_id,
                "rid": refund_id,
                "now": now,
            },
        )
        ids.append(log_id)
    return ids
