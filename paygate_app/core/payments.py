"""Payments: validate and create (core/payment_create.py), read, list, capture.

The states and their transitions are in core/payment_rows.py; settling is core/processing.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound, RateLimited, Reason, UnexpectedState
from paygate_app.core.idempotency import Claim, key_taken
from paygate_app.core.ids import new_payment_id
from paygate_app.core.jobs import JobKind, ring
from paygate_app.core.methods import mask_vpa, validate_card, validate_vpa
from paygate_app.core.observability import observe_payment
from paygate_app.core.orders import OrderStatus
from paygate_app.core.pagination import Page
from paygate_app.core.payment_create import NewPayment, create, successful_payment_id
from paygate_app.core.payment_rows import (
    COLUMNS,
    TRANSITIONS,
    PaymentMethod,
    PaymentStatus,
    created_answer,
    payment_public,
    refund_status,
)
from paygate_app.core.processor import payment_delay_ms, vpa_test_input
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import claim_seconds

__all__ = [
    "COLUMNS",
    "TRANSITIONS",
    "PaymentMethod",
    "PaymentStatus",
    "created_answer",
    "payment_public",
    "refund_status",
]


def order_already_paid(payment_id: str | None) -> BadRequest:
    return BadRequest(
        "Order is already paid",
        reason=Reason.ORDER_ALREADY_PAID,
        metadata={"payment_id": payment_id} if payment_id else None,
    )


def too_many_attempts() -> RateLimited:
    cap = settings.max_payment_attempts_per_order
    return RateLimited(
        f"Too many payment attempts on this order (at most {cap}); create a new order to try again",
        retry_after=None,
        reason=Reason.TOO_MANY_ATTEMPTS,
    )


def payment_for_shopper(row: dict) -> dict:
    """The anonymous view (GET /payments/{id}/public): the VPA masked, as a receipt shows it."""
    out = payment_public(row)
    if out.get("vpa"):
        out["vpa"] = mask_vpa(out["vpa"])
    return out


def _check_method(body: dict[str, Any]) -> dict[str, Any]:
    method = body.get("method")
    if method == PaymentMethod.UPI:
        vpa = validate_vpa(body.get("vpa"))
        test = vpa_test_input(vpa)
        ff = test is not None and test.fails
        return {"method": "upi", "vpa": vpa, "net": None, "l4": None, "ff": ff, "test": test}
    if method == PaymentMethod.CARD:
        card = validate_card(body.get("card"))
        return {
            "method": "card",
            "vpa": None,
            "net": card.network,
            "l4": card.last4,
            "ff": card.always_fails,
            "test": card.test,
        }
    raise BadRequest("method must be 'upi' or 'card'")


async def create_payment(*, merchant_id: str, body: dict[str, Any], claim: Claim | None = None) -> dict:
    """Validate, then in one transaction: check the order, insert the payment, write its events,
    and complete `claim` (its Idempotency-Key) with the answer, `created_answer(row)`."""
    order_id = body.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        raise BadRequest("order_id is required")
    checked = _check_method(body)
    delay_ms = payment_delay_ms(checked["test"])  # a `pending` test input holds it longer
    now = utcnow()
    created = await create(
        NewPayment(
            payment_id=new_payment_id(),
            order_id=order_id,
            merchant_id=merchant_id,
            method=checked["method"],
            force_fail=checked["ff"],
            vpa=checked["vpa"],
            card_network=checked["net"],
            card_last4=checked["l4"],
            due=now + timedelta(milliseconds=delay_ms),
            at=now,
            held_until=now + timedelta(seconds=claim_seconds()),
            claim=claim,
        )
    )
    if created.claim_lost:
        raise key_taken()
    if created.row is None:  # no such order, another merchant's, paid, or out of attempts
        if created.locked_merchant_id != merchant_id:
            raise NotFound("Order not found")
        if created.locked_status != OrderStatus.CREATED:
            raise order_already_paid(await successful_payment_id(order_id))
        raise too_many_attempts()
    await ring(JobKind.PROCESS_PAYMENT, created.row["id"], webhooks=created.log_ids, held_until=created.held_until)
    observe_payment(PaymentStatus.PENDING)
    return created.row


async def get_payment(payment_id: str, *, merchant_id: str | None = None) -> dict:
    db = await get_db()
    row = await db.fetch_one(f"SELECT {COLUMNS} FROM payments WHERE id = :id", {"id": payment_id})
    if row is None or (merchant_id is not None and row["merchant_id"] != merchant_id):
        raise NotFound("Payment not found")
    return row


async def list_payments(
    *, merchant_id: str, page: Page, status: str | None = None, method: str | None = None, search: str | None = None
) -> tuple[list[dict], int]:
    where = ["merchant_id = :m"]
    params: dict[str, Any] = {"m": merchant_id, "limit": page.limit, "offset": page.offset}
    if status:
        where.append("status = :status")
        params["status"] = status
    if method:
        where.append("method = :method")
        params["method"] = method
    if search:
        where.append("(id = :q OR order_id = :q)")
        params["q"] = search.strip()
    clause = " AND ".join(where)
    db = await get_db()
    rows = await db.fetch_all(
        f"SELECT {COLUMNS} FROM payments WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
        params,
    )
    total = await db.fetch_one(f"SELECT COUNT(*) AS n FROM payments WHERE {clause}", params)
    return rows, int(total["n"] if total else 0)


async def capture_payment(*, payment_id: str, merchant_id: str, amount: Any = None) -> dict:
    row = await get_payment(payment_id, merchant_id=merchant_id)
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount != row["amount"]):
        raise BadRequest("Capture amount must equal the payment amount (partial capture is not supported)")
    db = await get_db()
    updated = await db.fetch_one(
        f"""UPDATE payments SET captured = TRUE, updated_at = :now
            WHERE id = :id AND merchant_id = :m AND status = 'success' AND captured = FALSE
            RETURNING {COLUMNS}""",
        {"id": payment_id, "m": merchant_id, "now": utcnow()},
    )
    if updated is None:
        raise UnexpectedState("Payment not in capturable state", current=row["status"], allowed=("success",))
    return updated
