"""Orders: created → paid. One INSERT per create (and its Idempotency-Key's answer, in the same transaction)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import orjson

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound
from paygate_app.core.idempotency import KEY_DONE, Claim, complete_statement, key_params, key_taken
from paygate_app.core.ids import new_order_id
from paygate_app.core.pagination import Page
from paygate_app.core.serialize import pick
from paygate_app.core.webhooks.config import parse_webhook_url

MIN_AMOUNT = 100
MAX_AMOUNT = 10**11
ORDER_FIELDS = ("id", "merchant_id", "amount", "currency", "receipt", "notes", "callback_url", "status", "created_at")
_COLUMNS = "id, merchant_id, amount, currency, receipt, notes, callback_url, status, created_at"
_CURRENCY = re.compile(r"[A-Z]{3}")  # fullmatch: "INR\n" is not a currency


class OrderStatus(StrEnum):
    CREATED = "created"
    PAID = "paid"


def check_amount(amount: Any, *, minimum: int = MIN_AMOUNT, field: str = "amount") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise BadRequest(f"{field} must be an integer in paise")
    if amount < minimum:
        raise BadRequest(f"{field} must be at least {minimum}")
    if amount > MAX_AMOUNT:
        raise BadRequest(f"{field} must be at most {MAX_AMOUNT}")
    return amount


def _check_notes(notes: Any) -> dict:
    if notes is None:
        return {}
    if not isinstance(notes, dict):
        raise BadRequest("notes must be an object")
    if len(notes) > 15:
        raise BadRequest("notes may have at most 15 keys")
    for key, value in notes.items():
        if len(key) > 40:
            raise BadRequest("notes keys may be at most 40 characters")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise BadRequest("notes values must be strings, numbers or booleans")
        if isinstance(value, str) and len(value) > 256:
            raise BadRequest("notes values may be at most 256 characters")
    return notes


def check_callback_url(url: Any) -> str | None:
    """Where the hosted checkout sends the shopper back: an http(s) URL shaped like a webhook URL."""
    if url is None or url == "":
        return None
    if not isinstance(url, str):
        raise BadRequest("callback_url must be a string")
    try:
        parse_webhook_url(url)
    except BadRequest as exc:
        raise BadRequest(exc.description.replace("webhook_url", "callback_url")) from None
    return url


def order_public(row: dict) -> dict:
    out = pick(row, ORDER_FIELDS)
    out["notes"] = orjson.loads(row["notes"]) if row.get("notes") else {}
    return out


def created_answer(order: dict) -> bytes:
    """The exact bytes of a create's 201 answer (also what its Idempotency-Key replays)."""
    return orjson.dumps(order)


async def create_order(
    *,
    merchant_id: str,
    amount: Any,
    currency: Any = "INR",
    receipt: Any = None,
    notes: Any = None,
    callback_url: Any = None,
    claim: Claim | None = None,
) -> dict:
    """Insert the order (with `claim`: and complete its Idempotency-Key with the answer, in the same
    transaction); the answer, `order_public` of the row."""
    amount = check_amount(amount)
    currency = "INR" if currency is None else currency
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise BadRequest("currency must be a 3-letter ISO code such as INR")
    if receipt is not None and (not isinstance(receipt, str) or len(receipt) > 40):
        raise BadRequest("receipt must be a string of at most 40 characters")
    notes_json = orjson.dumps(_check_notes(notes)).decode()
    callback_url = check_callback_url(callback_url)
    now = utcnow()
    row = {
        "id": new_order_id(),
        "merchant_id": merchant_id,
        "amount": amount,
        "currency": currency,
        "receipt": receipt,
        "notes": notes_json,
        "callback_url": callback_url,
        "status": OrderStatus.CREATED.value,
        "created_at": now,
    }
    order = order_public(row)
    if claim is None:
        statements = [(_INSERT + _VALUES + " RETURNING id", row)]
    else:  # the key's answer first (it locks the key), then the order only if the key was still this request's
        statements = [
            complete_statement(claim, status=201, body=created_answer(order)),
            (_INSERT + _IF_KEY_DONE + " RETURNING id", {**row, **key_params(claim)}),
        ]
    db = await get_db()
    # Batched with the other creates of this event-loop turn: one round trip and one commit for all.
    results = await db.script_batched(statements)
    if not results[-1]:
        raise key_taken()
    if claim is not None:
        claim.recorded = True
    _remember(row["id"], amount, currency)
    return order


_INSERT = """INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, callback_url, status,
       created_at, updated_at)"""
_ROW = ":id, :merchant_id, :amount, :currency, :receipt, :notes, :callback_url, :status, :created_at, :created_at"
_VALUES = f" VALUES ({_ROW})"
_IF_KEY_DONE = f" SELECT {_ROW} WHERE EXISTS (SELECT 1 FROM idempotency_keys WHERE {KEY_DONE})"


# An order's amount and currency never change after its INSERT, so a payment's create can build
# its events' bodies before its statement runs (core/payment_create.py); the statement checks them
# against the locked order row all the same. Kept per process: what this process created or read.
_VALUES_KEPT = 20_000
_values: dict[str, tuple[int, str]] = {}


def _remember(order_id: str, amount: int, currency: str) -> None:
    if len(_values) >= _VALUES_KEPT:
        _values.clear()  # cheaper than an LRU, and a miss costs one batched read
    _values[order_id] = (amount, currency)


def forget_values(order_id: str) -> None:
    _values.pop(order_id, None)


async def order_values(order_ids: list[str]) -> dict[str, tuple[int, str]]:
    """{order id: (amount, currency)} of those that exist: kept ones, the others in one read."""
    found = {i: _values[i] for i in order_ids if i in _values}
    missing = list({i for i in order_ids if i not in found})
    if missing:
        db = await get_db()
        if db.dialect == "postgresql":
            rows = await db.fetch_all(
                "SELECT id, amount, currency FROM orders WHERE id = ANY(:ids::varchar[])", {"ids": missing},
                binary_params=True,
            )  # fmt: skip
        else:
            query = "SELECT id, amount, currency FROM orders WHERE id = :id"
            rows = [r for i in missing if (r := await db.fetch_one(query, {"id": i}))]
        for r in rows:
            found[r["id"]] = (r["amount"], r["currency"])
            _remember(r["id"], r["amount"], r["currency"])
    return found


async def get_order(order_id: str, *, merchant_id: str | None = None) -> dict:
    """The order; NotFound if unknown or (when merchant_id is given) owned by someone else."""
    db = await get_db()
    row = await db.fetch_one(
        """SELECT o.id, o.merchant_id, o.amount, o.currency, o.receipt, o.notes, o.callback_url, o.status,
                  o.created_at, m.name AS merchant_name
           FROM orders o JOIN merchants m ON m.id = o.merchant_id WHERE o.id = :id""",
        {"id": order_id},
    )
    if row is None or (merchant_id is not None and row["merchant_id"] != merchant_id):
        raise NotFound("Order not found")
    _remember(row["id"], row["amount"], row["currency"])  # the checkout that read it pays it next
    return row


async def get_order_public(order_id: str) -> dict:
    row = await get_order(order_id)
    return {
        "id": row["id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "status": row["status"],
        "merchant_name": row["merchant_name"],
    }


async def list_orders(*, merchant_id: str, page: Page) -> tuple[list[dict], int]:
    db = await get_db()
    rows = await db.fetch_all(
        f"""SELECT {_COLUMNS} FROM orders
           WHERE merchant_id = :m ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset""",
        {"m": merchant_id, "limit": page.limit, "offset": page.offset},
    )
    total = await db.fetch_one("SELECT COUNT(*) AS n FROM orders WHERE merchant_id = :m", {"m": merchant_id})
    return [order_public(r) for r in rows], int(total["n"] if total else 0)
