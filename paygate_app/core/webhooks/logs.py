"""Reading webhook logs: the merchant's list and one log with its payload and attempts."""

from __future__ import annotations

import orjson

from paygate_app.core.db import get_db
from paygate_app.core.errors import NotFound
from paygate_app.core.pagination import Page
from paygate_app.core.serialize import pick

LOG_FIELDS = (
    "id",
    "event",
    "status",
    "attempts",
    "created_at",
    "last_attempt_at",
    "next_retry_at",
    "response_code",
)
ATTEMPT_FIELDS = ("attempt", "response_code", "error", "duration_ms", "created_at")
_LOG_COLUMNS = ", ".join(LOG_FIELDS)


def log_public(row: dict) -> dict:
    return pick(row, LOG_FIELDS)


async def list_logs(merchant_id: str, page: Page) -> tuple[list[dict], int]:
    """The merchant's logs, newest first, and their total count."""
    db = await get_db()
    rows = await db.fetch_all(
        f"""SELECT {_LOG_COLUMNS} FROM webhook_logs WHERE merchant_id = :m
            ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset""",
        {"m": merchant_id, "limit": page.limit, "offset": page.offset},
    )
    total = await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_logs WHERE merchant_id = :m", {"m": merchant_id})
    return [log_public(r) for r in rows], int(total["n"] if total else 0)


async def get_log(log_id: str, merchant_id: str) -> dict:
    """One log with `payload` (the exact JSON sent) and `attempt_history`; NotFound if foreign."""
    db = await get_db()
    row = await db.fetch_one(
        f"""SELECT {_LOG_COLUMNS}, payload FROM webhook_logs
            WHERE id = :id AND merchant_id = :m""",
        {"id": log_id, "m": merchant_id},
    )
    if row is None:
        raise NotFound("Webhook log not found")
    attempts = await db.fetch_all(
        """SELECT attempt, response_code, error, duration_ms, created_at
           FROM webhook_attempts WHERE log_id = :id ORDER BY attempt""",
        {"id": log_id},
    )
    out = log_public(row)
    out["payload"] = orjson.loads(row["payload"])
    out["attempt_history"] = [pick(a, ATTEMPT_FIELDS) for a in attempts]
    return out
