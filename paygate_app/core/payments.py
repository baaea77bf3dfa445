"""Payments: pending → success | failed, then capture. The transition table is the law.

pending ──(bank ok, order still unpaid)──► success ──capture──► success+captured
   └──────(bank declined / order paid)──► failed
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from paygate_app.core import payments_pg
from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound, RateLimited, Reason, UnexpectedState
from paygate_app.core.ids import new_payment_id, new_uuid
from paygate_app.core.jobs import JobKind, ring
from paygate_app.core.methods import mask_vpa, validate_card, validate_vpa
from paygate_app.core.observability import observe_payment
from paygate_app.core.orders import OrderStatus
from paygate_app.core.pagination import Page
from paygate_app.core.payments_pg import COLUMNS
from paygate_app.core.processor import payment_delay_ms, vpa_test_input
from paygate_app.core.serialize import pick
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import claim_seconds
from paygate_app.core.webhooks.events import EventType, build_body, record_events


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCESS = "success"
    FAILED = "failed"


class PaymentMethod(StrEnum):
    UPI = "upi"
    CARD = "card"


TRANSITIONS: dict[PaymentStatus, tuple[PaymentStatus, ...]] = {
    PaymentStatus.PENDING: (PaymentStatus.SUCCESS, PaymentStatus.FAILED),
    PaymentStatus.SUCCESS: (),
    PaymentStatus.FAILED: (),
}

BASE_FIELDS = ("id", "order_id", "amount", "currency", "method")
TAIL_FIELDS = ("status", "captured", "created_at")
DETAIL_FIELDS = ("error_code", "error_description", "updated_at", "amount_refunded")


def refund_status(row: dict) -> str | None:
    if not row.get("amount_refunded"):
        return None
    return "full" if row["amount_refunded"] >= row["amount"] else "partial"


def payment_public(row: dict, *, detail: bool = True) -> dict:
    """The API shape: method-specific fields, never card number, CVV or expiry."""
    out = pick(row, BASE_FIELDS)
    if row["method"] == PaymentMethod.UPI:
        out["vpa"] = row["vpa"]
    else:
        out["card_network"] = row["card_network"]
        out["card_last4"] = row["card_last4"]
    out.update(pick(row, TAIL_FIELDS))
    out["captured"] = bool(row["captured"])
    if detail:
        out.update(pick(row, DETAIL_FIELDS))
        out["refund_status"] = refund_status(row)
    return out


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


async def create_payment(*, merchant_id: str, body: dict[str, Any]) -> dict:
    """Validate, then in one transaction: check the order, insert the payment, write its events."""
    row = await _insert_payment(merchant_id, body)
    observe_payment(PaymentStatus.PENDING)
    return row


async def _insert_payment(merchant_id: str, body: dict[str, Any]) -> dict:
    """The work of `create_payment`.

    One round trip on PostgreSQL: the create runs with the others of the moment
    (core/payments_pg.py): lock the order, insert the payment only if the order is still the
    merchant's and unpaid, and write the `payment.created` / `payment.pending` outbox rows with
    the bodies built here (the statement fills in the order's amount and currency).
    """
    order_id = body.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        raise BadRequest("order_id is required")
    checked = _check_method(body)
    delay_ms = payment_delay_ms(checked.pop("test"))  # a `pending` test input holds it longer
    now = utcnow()
    db = await get_db()
    if db.dialect != "postgresql":
        return await _create_payment_tx(db, merchant_id, order_id, checked, now, delay_ms)
    payment_id = new_payment_id()
    due = now + timedelta(milliseconds=delay_ms)
    expected = {
        "id": payment_id, "order_id": order_id, "merchant_id": merchant_id, "amount": payments_pg.AMOUNT_MARK,
        "amount_refunded": 0, "currency": payments_pg.CURRENCY_MARK, "method": checked["method"],
        "status": "pending", "captured": False, "force_fail": checked["ff"], "vpa": checked["vpa"],
        "card_network": checked["net"], "card_last4": checked["l4"], "error_code": None, "error_description": None,
        "process_after": due, "created_at": now, "updated_at": now,
    }  # fmt: skip
    public = payment_public(expected)
    created = await payments_pg.create(
        payments_pg.NewPayment(
            payment_id=payment_id,
            order_id=order_id,
            merchant_id=merchant_id,
            method=checked["method"],
            force_fail=checked["ff"],
            vpa=checked["vpa"],
            card_network=checked["net"],
            card_last4=checked["l4"],
            due=due,
            at=now,
            created_log_id=new_uuid(),
            created_body=build_body(EventType.PAYMENT_CREATED, {"payment": public}),
            pending_log_id=new_uuid(),
            pending_body=build_body(EventType.PAYMENT_PENDING, {"payment": public}),
            held_until=now + timedelta(seconds=claim_seconds()),
        )
    )
    if created.row is None:  # no such order, another merchant's, paid, or out of attempts
        if created.locked_merchant_id != merchant_id:
            raise NotFound("Order not found")
        if created.locked_status != OrderStatus.CREATED:
            raise order_already_paid(await payments_pg.successful_payment_id(order_id))
        raise too_many_attempts()
    await ring(JobKind.PROCESS_PAYMENT, payment_id, webhooks=created.log_ids, held_until=created.held_until)
    return created.row


async def _create_payment_tx(db, merchant_id: str, order_id: str, checked: dict[str, Any], now, delay_ms: int) -> dict:
    """The same as a transaction of single statements (SQLite: one in-process writer, where a
    statement costs no round trip but each extra one holds the single connection longer)."""
    async with db.transaction() as tx:
        order = await tx.fetch_one(
            "SELECT id, merchant_id, amount, currency, status, payment_attempts FROM orders WHERE id = :id"
            + db.for_update,
            {"id": order_id},
        )
        if order is None or order["merchant_id"] != merchant_id:
            raise NotFound("Order not found")
        if order["status"] != OrderStatus.CREATED:
            raise order_already_paid(await payments_pg.successful_payment_id(order_id, tx))
        if order["payment_attempts"] >= settings.max_payment_attempts_per_order:
            raise too_many_attempts()
        await tx.execute("UPDATE orders SET payment_attempts = payment_attempts + 1 WHERE id = :id", {"id": order_id})
        row = await tx.fetch_one(
            f"""INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method,
                   status, captured, force_fail, vpa, card_network, card_last4, process_after,
                   created_at, updated_at)
               VALUES (:id, :oid, :m, :amount, 0, :cur, :method, 'pending', FALSE, :ff, :vpa, :net, :l4,
                   :due, :now, :now)
               RETURNING {COLUMNS}""",
            {
                "id": new_payment_id(),
                "oid": order_id,
                "m": merchant_id,
                "amount": order["amount"],
                "cur": order["currency"],
                "due": now + timedelta(milliseconds=delay_ms),
                "now": now,
                **checked,
            },
        )
        assert row is not None
        public = payment_public(row)
        log_ids = await record_events(
            tx,
            merchant_id=merchant_id,
            events=[(EventType.PAYMENT_CREATED, {"payment": public}), (EventType.PAYMENT_PENDING, {"payment": public})],
            payment_id=row["id"],
        )
    await ring(JobKind.PROCESS_PAYMENT, row["id"], webhooks=log_ids)
    return row


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
