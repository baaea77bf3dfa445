"""A payment's states, its transitions, its columns, and its public shape.

pending ──(bank ok, order still unpaid)──► success ──capture──► success+captured
   └──────(bank declined / order paid)──► failed

`TRANSITIONS` is the law: the settle statements (core/payment_settle.py) take their
`WHERE status = …` condition and their possible outcomes from it (`settle_from`,
`settle_to`), and a test checks the SQL against it.
"""

from __future__ import annotations

from enum import StrEnum

import orjson

from paygate_app.core.serialize import pick


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


def settle_from() -> PaymentStatus:
    """The one state a payment is settled from: the state with more than one way out."""
    [state] = [s for s, targets in TRANSITIONS.items() if targets]
    return state


def settle_to(approved: bool) -> PaymentStatus:
    """Where a settlement goes: the first way out if the bank said yes and the order was unpaid, else the last."""
    targets = TRANSITIONS[settle_from()]
    return targets[0] if approved else targets[-1]


COLUMNS = (
    "id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured, force_fail,"
    " vpa, card_network, card_last4, error_code, error_description, process_after, created_at, updated_at"
)
NAMES = [c.strip() for c in COLUMNS.split(",")]

BASE_FIELDS = ("id", "order_id", "amount", "currency", "method")
TAIL_FIELDS = ("status", "captured", "created_at")
DETAIL_FIELDS = ("error_code", "error_description", "updated_at", "amount_refunded")


def refund_status(row: dict) -> str | None:
    if not row.get("amount_refunded"):
        return None
    return "full" if row["amount_refunded"] >= row["amount"] else "partial"


def created_answer(row: dict) -> bytes:
    """The exact bytes of a create's 201 answer (also what its Idempotency-Key replays)."""
    return orjson.dumps(payment_public(row, detail=False))


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
