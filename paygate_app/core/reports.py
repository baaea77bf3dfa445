"""Dashboard queries: filtered, paginated lists of payments, refunds and webhook logs; CSV batches.

Every query is scoped to one merchant and walks its `(merchant_id, created_at)` index; filters
narrow that range. The API's list endpoints keep their own functions (`payments.list_payments`,
`refunds.list_refunds`); these serve the dashboard's richer filters only. Totals: `core/stats.py`.

Search (one box): an id prefix (`pay_…`, `order_…`, `rfnd_…`), a UPI VPA, a card's last 4
digits, or an order's receipt.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from paygate_app.core.db import get_db
from paygate_app.core.pagination import Page

PAYMENT_COLUMNS = (
    "id, order_id, merchant_id, amount, amount_refunded, currency, method, status, captured,"
    " vpa, card_network, card_last4, error_code, error_description, created_at, updated_at"
)
REFUND_COLUMNS = "id, payment_id, merchant_id, amount, reason, status, processed_at, created_at, updated_at"
MAX_SEARCH = 64
EXPORT_BATCH = 500
_LAST4 = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Filters:
    """What the dashboard's toolbar asks for; empty fields filter nothing."""

    status: str | None = None
    method: str | None = None
    refund: str | None = None  # payments: 'any' (partly or fully refunded), 'full', 'partial', 'none'
    search: str | None = None
    date_from: date | None = None  # UTC days, both included
    date_to: date | None = None
    payment_id: str | None = None  # refunds of one payment


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _common(where: list[str], params: dict[str, Any], f: Filters) -> None:
    if f.status:
        where.append("status = :status")
        params["status"] = f.status
    if f.date_from:
        where.append("created_at >= :date_from")
        params["date_from"] = _day_start(f.date_from)
    if f.date_to:
        where.append("created_at < :date_to")
        params["date_to"] = _day_start(f.date_to + timedelta(days=1))


def _payment_where(merchant_id: str, f: Filters) -> tuple[str, dict[str, Any]]:
    where = ["merchant_id = :m"]
    params: dict[str, Any] = {"m": merchant_id}
    _common(where, params, f)
    if f.method:
        where.append("method = :method")
        params["method"] = f.method
    if f.refund == "any":
        where.append("amount_refunded > 0")
    elif f.refund == "full":
        where.append("amount_refunded > 0 AND amount_refunded >= amount")
    elif f.refund == "partial":
        where.append("amount_refunded > 0 AND amount_refunded < amount")
    elif f.refund == "none":
        where.append("amount_refunded = 0")
    q = (f.search or "").strip()[:MAX_SEARCH]
    if q:
        params["q"] = q
        params["q_prefix"] = _like_prefix(q)
        terms = [
            "id LIKE :q_prefix ESCAPE '\\'",
            "order_id LIKE :q_prefix ESCAPE '\\'",
            "vpa = :q",
            "order_id IN (SELECT id FROM orders WHERE merchant_id = :m AND receipt = :q)",
        ]
        if _LAST4.match(q):
            terms.append("card_last4 = :q")
        where.append("(" + " OR ".join(terms) + ")")
    return " AND ".join(where), params


def _refund_where(merchant_id: str, f: Filters) -> tuple[str, dict[str, Any]]:
    where = ["merchant_id = :m"]
    params: dict[str, Any] = {"m": merchant_id}
    _common(where, params, f)
    if f.payment_id:
        where.append("payment_id = :pid")
        params["pid"] = f.payment_id
    q = (f.search or "").strip()[:MAX_SEARCH]
    if q:
        params["q_prefix"] = _like_prefix(q)
        where.append("(id LIKE :q_prefix ESCAPE '\\' OR payment_id LIKE :q_prefix ESCAPE '\\')")
    return " AND ".join(where), params


async def _page(table: str, columns: str, clause: str, params: dict, page: Page) -> tuple[list[dict], int]:
    db = await get_db()
    rows = await db.fetch_all(
        f"SELECT {columns} FROM {table} WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset",
        {**params, "limit": page.limit, "offset": page.offset},
    )
    total = await db.fetch_one(f"SELECT COUNT(*) AS n FROM {table} WHERE {clause}", params)
    return [dict(r) for r in rows], int(total["n"] if total else 0)


async def list_payments(*, merchant_id: str, page: Page, filters: Filters) -> tuple[list[dict], int]:
    clause, params = _payment_where(merchant_id, filters)
    return await _page("payments", PAYMENT_COLUMNS, clause, params, page)


async def list_refunds(*, merchant_id: str, page: Page, filters: Filters) -> tuple[list[dict], int]:
    clause, params = _refund_where(merchant_id, filters)
    return await _page("refunds", REFUND_COLUMNS, clause, params, page)


async def _batches(table: str, columns: str, clause: str, params: dict) -> AsyncIterator[list[dict]]:
    """Every matching row, newest first, EXPORT_BATCH at a time (keyset paging, no OFFSET scans)."""
    db = await get_db()
    after = ""
    while True:
        rows = await db.fetch_all(
            f"SELECT {columns} FROM {table} WHERE {clause}{after} ORDER BY created_at DESC, id DESC LIMIT :limit",
            {**params, "limit": EXPORT_BATCH},
        )
        if not rows:
            return
        yield [dict(r) for r in rows]
        if len(rows) < EXPORT_BATCH:
            return
        last = rows[-1]
        params = {**params, "k_at": last["created_at"], "k_id": last["id"]}
        after = " AND (created_at < :k_at OR (created_at = :k_at AND id < :k_id))"


def payment_batches(*, merchant_id: str, filters: Filters) -> AsyncIterator[list[dict]]:
    clause, params = _payment_where(merchant_id, filters)
    return _batches("payments", PAYMENT_COLUMNS, clause, params)


def refund_batches(*, merchant_id: str, filters: Filters) -> AsyncIterator[list[dict]]:
    clause, params = _refund_where(merchant_id, filters)
    return _batches("refunds", REFUND_COLUMNS, clause, params)


WEBHOOK_LOG_COLUMNS = "id, event, status, attempts, created_at, last_attempt_at, next_retry_at, response_code"


async def list_webhook_logs(*, merchant_id: str, page: Page, event: str | None = None) -> tuple[list[dict], int]:
    """Delivery logs newest first, each with `total_attempts` (every attempt recorded, manual retries
    included: what the detail lists) and `last_error` (the latest attempt's error)."""
    where = "merchant_id = :m" + (" AND event = :event" if event else "")
    params: dict[str, Any] = {"m": merchant_id, "event": event}
    db = await get_db()
    rows = await db.fetch_all(
        f"""SELECT {WEBHOOK_LOG_COLUMNS},
                   (SELECT COUNT(*) FROM webhook_attempts a WHERE a.log_id = l.id) AS total_attempts,
                   (SELECT a.error FROM webhook_attempts a WHERE a.log_id = l.id
                     ORDER BY a.attempt DESC LIMIT 1) AS last_error
            FROM webhook_logs l WHERE {where}
            ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset""",
        {**params, "limit": page.limit, "offset": page.offset},
    )
    total = await db.fetch_one(f"SELECT COUNT(*) AS n FROM webhook_logs WHERE {where}", params)
    return [dict(r) for r in rows], int(total["n"] if total else 0)
