"""The delivery rows: claim a log for an attempt, record the attempt, read logs held for a job.

One function per operation, each run over a set: the calls of one moment go together
(core/batching.py) and a single call is a set of one. On PostgreSQL a set is one statement over
arrays (one round trip, one prepared plan, values sent in binary); SQLite runs the same steps
item by item in one transaction. A set that fails as a whole wrote nothing (one transaction),
and each of its items runs again as a set of one.

- claim: a conditional UPDATE leases due, unheld, pending logs (`claimed_until`), so two
  workers (a queued job and the sweeper, say) never send the same attempt twice;
- release: a claim taken for a job that was never queued is given up at once;
- record: lock the logs (in id order, so two sets cannot deadlock), append each attempt
  numbered after the last one (read after the lock), move each log only while its claim holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from paygate_app.core.batching import loop_batcher
from paygate_app.core.db import Executor, get_db, utcnow
from paygate_app.core.webhooks.sender import SendResult

log = logging.getLogger("paygate.webhooks")

_SECRET = "(SELECT m.webhook_secret FROM merchants m WHERE m.id = webhook_logs.merchant_id) AS webhook_secret"


@dataclass(frozen=True)
class Claimed:
    """A log this process holds for one attempt, with what the attempt needs."""

    id: str
    merchant_id: str
    url: str
    payload: str
    attempts: int
    claimed_until: datetime
    webhook_secret: str | None = None  # the merchant's secret at claim time (read in the same statement)

    @classmethod
    def from_row(cls, row: dict, claimed_until: datetime) -> Claimed:
        """From a row of (id, merchant_id, url, payload, attempts, webhook_secret)."""
        return cls(
            id=row["id"],
            merchant_id=row["merchant_id"],
            url=row["url"],
            payload=row["payload"],
            attempts=int(row["attempts"]),
            claimed_until=claimed_until,
            webhook_secret=row["webhook_secret"],
        )


@dataclass(frozen=True)
class Attempt:
    """One attempt's outcome and where it moves the log."""

    job: Claimed
    result: SendResult
    started_at: datetime
    ended_at: datetime
    status: str  # the log's status after it: success, failed or pending
    next_retry_at: datetime | None


# --- claim ----------------------------------------------------------------------------------

_CLAIM_WHERE = "status = 'pending' AND next_retry_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)"
_CLAIM_RETURNING = f"RETURNING id, merchant_id, url, payload, attempts, {_SECRET}"
_CLAIM_SET = f"""UPDATE webhook_logs SET claimed_until = :until
   WHERE id = ANY(:ids::varchar[]) AND {_CLAIM_WHERE} {_CLAIM_RETURNING}"""
_CLAIM_ITEM = f"UPDATE webhook_logs SET claimed_until = :until WHERE id = :id AND {_CLAIM_WHERE} {_CLAIM_RETURNING}"


async def claim(log_id: str, seconds: float) -> Claimed | None:
    """Lease this log for `seconds` with the other claims of the moment; None if it is not due,
    done or taken (asked twice in one moment: the first asker holds it)."""
    return await loop_batcher("webhook-claims", _claim_set).submit((log_id, seconds))


async def _claim_set(items: list[tuple[str, float]]) -> list[Claimed | None]:
    db = await get_db()
    now = utcnow()
    until = now + timedelta(seconds=max(seconds for _, seconds in items))
    ids = sorted({log_id for log_id, _ in items})
    if db.dialect == "postgresql":
        rows = await db.fetch_all(_CLAIM_SET, {"ids": ids, "now": now, "until": until}, binary_params=True)
    else:
        async with db.transaction() as tx:
            rows = [r for i in ids for r in await tx.fetch_all(_CLAIM_ITEM, {"id": i, "now": now, "until": until})]
    by_id = {r["id"]: r for r in rows}
    out: list[Claimed | None] = []
    for log_id, _ in items:
        row = by_id.pop(log_id, None)
        out.append(None if row is None else Claimed.from_row(row, until))
    return out


# --- release ------------------------------------------------------------------------------

_RELEASE_SET = """UPDATE webhook_logs l SET claimed_until = NULL
   FROM unnest(:ids::varchar[], :helds::timestamptz[]) AS r(id, held)
   WHERE l.id = r.id AND l.claimed_until = r.held AND l.status = 'pending' RETURNING l.id"""
_RELEASE_ITEM = """UPDATE webhook_logs SET claimed_until = NULL
   WHERE id = :id AND claimed_until = :held AND status = 'pending'"""


async def release(log_ids: list[str], held_until: datetime) -> None:
    """Give up the claim `held_until` on these logs (written claimed for a job that was never
    queued), with the other releases of the moment: due and unheld, the sweeper sends them next."""
    await loop_batcher("webhook-releases", _release_set).submit((log_ids, held_until))


async def _release_set(items: list[tuple[list[str], datetime]]) -> list[None]:
    db = await get_db()
    pairs = sorted({(log_id, held) for log_ids, held in items for log_id in log_ids})
    if db.dialect == "postgresql":
        params = {"ids": [i for i, _ in pairs], "helds": [h for _, h in pairs]}
        await db.fetch_all(_RELEASE_SET, params, binary_params=True)
    else:
        async with db.transaction() as tx:
            for log_id, held in pairs:
                await tx.execute(_RELEASE_ITEM, {"id": log_id, "held": held})
    return [None] * len(items)


# --- read held ------------------------------------------------------------------------------

_READ = f"SELECT id, merchant_id, url, payload, attempts, claimed_until, {_SECRET} FROM webhook_logs"


async def read_held(log_ids: list[str], held_until: datetime) -> list[Claimed]:
    """The pending logs among these that are still held with this claim, as claimed jobs."""
    found = await loop_batcher("webhook-held", _read_held_set).submit((log_ids, held_until))
    return [job for job in found if job]


async def _read_held_set(items: list[tuple[list[str], datetime]]) -> list[list[Claimed | None]]:
    db = await get_db()
    ids = sorted({i for log_ids, _ in items for i in log_ids})
    if db.dialect == "postgresql":
        found = await db.fetch_all(
            f"{_READ} WHERE id = ANY(:ids::varchar[]) AND status = 'pending'", {"ids": ids}, binary_params=True
        )
    else:
        async with db.transaction() as tx:
            query = f"{_READ} WHERE id = :id AND status = 'pending'"
            found = [r for i in ids for r in await tx.fetch_all(query, {"id": i})]
    rows = {r["id"]: r for r in found}
    out: list[list[Claimed | None]] = []
    for log_ids, held in items:
        found_rows = [rows.get(i) for i in log_ids]
        out.append([Claimed.from_row(r, held) if r and r["claimed_until"] == held else None for r in found_rows])
    return out


# --- record ---------------------------------------------------------------------------------

# The attempt number is read in the statement's snapshot; should a record of the same log have
# committed while this one waited for the lock (only possible after a manual retry), the unique
# (log_id, attempt) refuses the set and its items are recorded again one by one.
_RECORD_SET = """WITH i AS (
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

# The same steps for one item (SQLite, one writer at a time: the transaction is the lock).
_RECORD_ITEM = (
    "SELECT id, status FROM webhook_logs WHERE id = :id",
    """INSERT INTO webhook_attempts (log_id, attempt, response_code, error, response_body, duration_ms, created_at)
       SELECT :id, COALESCE(MAX(attempt), 0) + 1, :code, :error, :body, :ms, :at
       FROM webhook_attempts WHERE log_id = :id""",
    """UPDATE webhook_logs SET status = :status, attempts = :attempts, last_attempt_at = :at,
           response_code = :code, next_retry_at = :next, claimed_until = NULL, updated_at = :end_at
       WHERE id = :id AND claimed_until = :claim""",
)


async def record(attempt: Attempt) -> str:
    """Append the attempt and move the log on (fenced by the claim), with the other records of
    the moment; returns the log's status (the current one if the claim was lost meanwhile)."""
    return await loop_batcher("webhook-records", _record_many).submit(attempt)


async def _record_many(items: list[Attempt]) -> list[str]:
    ids = [a.job.id for a in items]
    if len(items) > 1:
        if len(set(ids)) == len(ids):
            try:
                return await _record_set(items)
            except Exception:  # one transaction: nothing was written; each runs again on its own
                log.warning("webhook record batch of %d failed; recording one by one", len(items), exc_info=True)
        return [(await _record_set([a]))[0] for a in items]
    return await _record_set(items)


def _params(a: Attempt) -> dict:
    r = a.result
    return {
        "id": a.job.id,
        "code": r.response_code,
        "error": r.error,
        "body": r.response_body,
        "ms": r.duration_ms,
        "at": a.started_at,
        "status": a.status,
        "attempts": a.job.attempts + 1,
        "next": a.next_retry_at,
        "end_at": a.ended_at,
        "claim": a.job.claimed_until,
    }


async def _record_set(items: list[Attempt]) -> list[str]:
    db = await get_db()
    params = [_params(a) for a in items]
    if db.dialect == "postgresql":
        columns = {k: [p[k] for p in params] for k in params[0]}
        names = ("ids", "codes", "errors", "bodies", "ms", "ats", "statuses", "attempts", "nexts", "ends", "claims")
        rows = await db.fetch_all(_RECORD_SET, dict(zip(names, columns.values(), strict=True)), binary_params=True)
    else:
        async with db.transaction() as tx:
            rows = [await _record_item(tx, p) for p in params]
    current = {r["id"]: r for r in rows if r}
    out = []
    for a in items:
        row = current.get(a.job.id)
        out.append(a.status if row is None or row["moved"] else row["status"])
    return out


async def _record_item(tx: Executor, params: dict) -> dict | None:
    lock, append, move = _RECORD_ITEM
    row = await tx.fetch_one(lock, {"id": params["id"]})
    if row is None:
        return None
    await tx.execute(append, params)
    moved = await tx.execute(move, params)
    return {"id": row["id"], "status": row["status"], "moved": moved == 1}
