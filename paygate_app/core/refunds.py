"""Refunds: pending → processed. The payment's amount_refunded only grows by a conditional
UPDATE that cannot pass the payment amount, so concurrent refunds never overspend."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

import orjson

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound, Reason
from paygate_app.core.idempotency import Claim, complete_in, key_taken
from paygate_app.core.ids import new_refund_id
from paygate_app.core.jobs import JobKind, ring
from paygate_app.core.orders import MAX_AMOUNT
from paygate_app.core.pagination import Page
from paygate_app.core.processor import refund_delay_ms
from paygate_app.core.serialize import pick
from paygate_app.core.webhooks.events import EventType, record_events


class RefundStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"


REFUND_COLUMNS = "id, payment_id, merchant_id, amount, reason, status, processed_at, created_at, updated_at"
REFUND_FIELDS = ("id", "payment_id", "amount", "reason", "status", "created_at", "processed_at")


def refund_public(row: dict) -> dict:
    return pick(row, REFUND_FIELDS)


def _exceeds_available() -> BadRequest:
    return BadRequest("Refund amount exceeds available amount", reason=Reason.REFUND_EXCEEDS_AVAILABLE)


def _check_refund_amount(amount: Any) -> int | None:
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise BadRequest("amount must be an integer in paise")
    if amount < 1 or amount > MAX_AMOUNT:
        raise BadRequest("amount must be a positive integer")
    return amount


def created_answer(row: dict) -> bytes:
    """The exact bytes of a create's 201 answer (also what its Idempotency-Key replays)."""
    return orjson.dumps(refund_public(row))


async def create_refund(
    *, merchant_id: str, payment_id: Any, amount: Any = None, reason: Any = None, claim: Claim | None = None
) -> dict:
    """In one transaction: move `amount_refunded`, insert the refund, write `refund.created`, and
    complete `claim` (its Idempotency-Key) with the answer, `created_answer(row)`."""
    if not isinstance(payment_id, str) or not payment_id:
        raise BadRequest("payment_id is required")
    requested = _check_refund_amount(amount)
    if reason is not None and (not isinstance(reason, str) or len(reason) > 255):
        raise BadRequest("reason must be a string of at most 255 characters")
    db = await get_db()
    now = utcnow()
    async with db.transaction() as tx:
        payment = await tx.fetch_one(
            "SELECT id, merchant_id, amount, amount_refunded, status FROM payments WHERE id = :id" + db.for_update,
            {"id": payment_id},
        )
        if payment is None or payment["merchant_id"] != merchant_id:
            raise NotFound("Payment not found")
        if payment["status"] != "success":
            raise BadRequest("Payment not in refundable state")
        available = payment["amount"] - payment["amount_refunded"]
        refund_amount = available if requested is None else requested
        if refund_amount <= 0 or refund_amount > available:
            raise _exceeds_available()
        moved = await tx.execute(
            """UPDATE payments SET amount_refunded = amount_refunded + :a, updated_at = :now
               WHERE id = :id AND status = 'success' AND amount_refunded + :a <= amount""",
            {"a": refund_amount, "id": payment_id, "now": now},
        )
        if moved != 1:
            raise _exceeds_available()
        row = await tx.fetch_one(
            f"""INSERT INTO refunds (id, payment_id, merchant_id, amount, reason, status, process_after,
                   created_at, updated_at)
                VALUES (:id, :pid, :m, :a, :reason, 'pending', :due, :now, :now) RETURNING {REFUND_COLUMNS}""",
            {
                "id": new_refund_id(),
                "pid": payment_id,
                "m": merchant_id,
                "a": refund_amount,
                "reason": reason,
                "due": now + timedelta(milliseconds=refund_delay_ms()),
                "now": now,
            },
        )
        assert row is not None
        log_ids = await record_events(
            tx,
            merchant_id=merchant_id,
            events=[(EventType.REFUND_CREATED, {"refund": refund_public(row)})],
            payment_id=payment_id,
            refund_id=row["id"],
        )
        if claim is not None and await complete_in(tx, claim, status=201, body=created_answer(row)) != 1:
            raise key_taken()  # a retry holds the key now: this transaction is rolled back
    if claim is not None:
        claim.recorded = True
    await ring(JobKind.PROCESS_REFUND, row["id"], webhooks=log_ids)
    return row


async def get_refund(refund_id: str, *, merchant_id: str) -> dict:
    db = await get_db()
    row = await db.fetch_one(f"SELECT {REFUND_COLUMNS} FROM refunds WHERE id = :id", {"id": refund_id})
    if row is None or row["merchant_id"] != merchant_id:
        raise NotFound("Refund not found")
    return row


async def list_refunds(*, merchant_id: str, page: Page, payment_id: str | None = None) -> tuple[list[dict], int]:
    where = "merchant_id = :m" + (" AND payment_id = :pid" if payment_id else "")
    params: dict[str, Any] = {"m": merchant_id, "pid": payment_id, "limit": page.limit, "offset": page.offset}
    db = await get_db()
    rows = await db.fetch_all(
        f"SELECT {REFUND_COLUMNS} FROM refunds WHERE {where} ORDER BY created_at DESC, id DESC"
        " LIMIT :limit OFFSET :offset",
        params,
    )
    total = await db.fetch_one(f"SELECT COUNT(*) AS n FROM refunds WHERE {where}", params)
    return rows, int(total["n"] if total else 0)
