"""Claims and records of webhook deliveries in sets, on PostgreSQL.

Under load most of a delivery's CPU went into building, quoting and sending one SQL text per
claim and per record (bench/README.md). Here the claims that arrive together are one
`UPDATE … WHERE id = ANY(…)`, and the records one statement over `unnest(…)` arrays sent in
binary (one round trip, one prepared plan, no quoting of response bodies).

Same effects as the single-row phases in delivery.py, which stay the fallback: a claim leases
due, unheld, pending logs only; a record locks its logs (in id order, so two batches cannot
deadlock), appends each attempt numbered after the last one (read after the lock), and moves
a log only while its claim still holds. A batch that fails as a whole (a conflict with a
manual retry, say) wrote nothing, and each of its items runs again on its own.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import get_db, utcnow

if TYPE_CHECKING:
    from paygate_app.core.webhooks.delivery import Claimed, SendResult

log = logging.getLogger("paygate.webhooks")

_CLAIM = """UPDATE webhook_logs SET claimed_until = :until
   WHERE id = ANY(:ids::varchar[]) AND status = 'pending' AND next_retry_at <= :now
     AND (claimed_until IS NULL OR claimed_until < :now)
   RETURNING id, merchant_id, url, payload, attempts,
     (SELECT m.webhook_secret FROM merchants m WHERE m.id = webhook_logs.merchant_id) AS webhook_secret"""

# One statement: lock the logs (id order, so two sets cannot deadlock), append each attempt
# numbered after the last one, move each log whose claim still holds. The attempt number is
# read in the statement's snapshot; should a record of the same log have committed while this
# one waited for the lock (only possible after a manual retry), the unique (log_id, attempt)
# refuses the set and its items are recorded one by one, each statement reading after the lock.
_RECORD = """WITH i AS (
       SELECT * FROM unnest(:ids::varchar[], :codes::int[], :errors::varchar[], :bodies::text[], :ms::int[],
                            :ats::timestamptz[], :statuses::varchar[], :attempts::int[], :nexts::timestamptz[],
                            :ends::timestamptz[], :claims::timestamptz[])
         AS i(id, code, error, body, ms, at, status, attempts, next, end_at, claim)),
     lk AS (
       SELECT id, status FROM webhook_logs WHERE id = ANY(:ids::varchar[]) ORDER BY id FOR UPDATE),
     ap AS (
       INSERT INTO webhook_attempts (log_id, attempt, response_code, error, response_body, duration_ms, created_at)
       SELECT i.id, COALESCE((SELECT MAX(a.attempt) FROM webhook_attempts a WHERE a.log_id = i.id), 0) + 1,
              i.code, i.error, i.body, i.ms, i.at
       FROM i JOIN lk ON lk.id = i.id),
     mv AS (
       UPDATE webhook_logs l SET status = i.status, attempts = i.attempts, last_attempt_at = i.at,
           response_code = i.code, next_retry_at = i.next, claimed_until = NULL, updated_at = i.end_at
       FROM i
       WHERE l.id = i.id AND l.claimed_until = i.claim AND l.id IN (SELECT id FROM lk)
       RETURNING l.id)
SELECT lk.id, lk.status, lk.id IN (SELECT id FROM mv) AS moved FROM lk"""


# --- claims ---------------------------------------------------------------------------------


async def claim(log_id: str, seconds: float) -> Claimed | None:
    """Lease this log with the other claims of the moment; None if it is not due, done or taken."""
    return await loop_batcher("webhook-claims", _claim_many).submit((log_id, seconds))


async def _claim_many(items: list[tuple[str, float]]) -> list[Claimed | None]:
    from paygate_app.core.webhooks.delivery import Claimed

    db = await get_db()
    now = utcnow()
    until = now + timedelta(seconds=max(seconds for _, seconds in items))
    params = {"ids": sorted({i for i, _ in items}), "now": now, "until": until}
    rows = await db.fetch_all(_CLAIM, params, binary_params=True)
    by_id = {r["id"]: r for r in rows}
    out: list[Claimed | None] = []
    for log_id, _ in items:
        row = by_id.pop(log_id, None)  # asked twice in one batch: the first asker holds it
        out.append(None if row is None else Claimed.from_row(row, until))
    return out


async def read_held(log_ids: list[str], held_until: datetime) -> list[Claimed]:
    """The pending logs among these that are still held with this claim, as claimed jobs."""
    return [job for job in await loop_batcher("webhook-held", _read_held).submit((log_ids, held_until)) if job]


_READ_HELD = """SELECT id, merchant_id, url, payload, attempts, claimed_until,
     (SELECT m.webhook_secret FROM merchants m WHERE m.id = webhook_logs.merchant_id) AS webhook_secret
   FROM webhook_logs WHERE id = ANY(:ids::varchar[]) AND status = 'pending'"""


async def _read_held(items: list[tuple[list[str], datetime]]) -> list[list[Claimed | None]]:
    from paygate_app.core.webhooks.delivery import Claimed

    db = await get_db()
    ids = sorted({i for log_ids, _ in items for i in log_ids})
    rows = {r["id"]: r for r in await db.fetch_all(_READ_HELD, {"ids": ids}, binary_params=True)}
    out: list[list[Claimed | None]] = []
    for log_ids, held in items:
        found = [rows.get(i) for i in log_ids]
        out.append([Claimed.from_row(r, held) if r and r["claimed_until"] == held else None for r in found])
    return out


# --- records --------------------------------------------------------------------------------

Outcome = tuple["Claimed", "SendResult", datetime, datetime, str, datetime | None]  # + started, end, status, next


async def record(outcome: Outcome) -> str:
    """Append the attempt and move the log on with the other records of the moment; the log's status."""
    return await loop_batcher("webhook-records", _record_many).submit(outcome)


async def _record_many(items: list[Outcome]) -> list[str]:
    from paygate_app.core.webhooks.delivery import record_one

    ids = [job.id for job, *_ in items]
    if len(set(ids)) == len(ids):
        try:
            return await _record_set(items)
        except Exception:  # nothing of the batch was written: each runs again on its own below
            log.warning("webhook record batch of %d failed; recording one by one", len(items), exc_info=True)
    return [await record_one(job, result, started_at=started) for job, result, started, *_ in items]


async def _record_set(items: list[Outcome]) -> list[str]:
    db = await get_db()
    rows = await db.fetch_all(
        _RECORD,
        {
            "ids": [job.id for job, *_ in items],
            "codes": [result.response_code for _, result, *_ in items],
            "errors": [result.error for _, result, *_ in items],
            "bodies": [result.response_body for _, result, *_ in items],
            "ms": [result.duration_ms for _, result, *_ in items],
            "ats": [started for _, _, started, *_ in items],
            "statuses": [status for *_, status, _ in items],
            "attempts": [job.attempts + 1 for job, *_ in items],
            "nexts": [next_at for *_, next_at in items],
            "ends": [end for _, _, _, end, *_ in items],
            "claims": [job.claimed_until for job, *_ in items],
        },
        binary_params=True,
    )
    current = {r["id"]: (r["status"], r["moved"]) for r in rows}
    out = []
    for job, _, _, _, status, _ in items:
        before, moved = current.get(job.id, (status, False))
        out.append(status if moved else before)
    return out
