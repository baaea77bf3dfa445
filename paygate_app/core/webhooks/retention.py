"""Retention: delete delivery history older than `WEBHOOK_RETENTION_DAYS`, in bounded batches.

Only final logs go (`success`, `failed`), each with its attempts; a `pending` log (being
delivered, or waiting for a retry) is never touched, whatever its age. A log is old when its
last change (the last attempt, or a manual retry) is older than the window, so a log retried
yesterday keeps its history; `created_at <= updated_at`, so the `created_at` index bounds the
scan. The sweeper calls `purge_old_webhooks` now and then (tasks/sweeper.py); each call
deletes batches of `BATCH` logs until none is left or `BUDGET` seconds have passed, so one
call never holds the sweeper long and a large backlog shrinks over a few calls. Several
sweepers at once share the work: PostgreSQL skips rows another one has locked.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.retention")
BATCH = 1000  # logs per transaction
BUDGET = 2.0  # seconds of deleting per call

_OLD = "status IN ('success', 'failed') AND created_at < :cutoff AND updated_at < :cutoff"

# One statement: lock a batch of old final logs (a row a manual retry changed meanwhile is
# checked again once locked and left out as pending; one it holds is skipped), delete their
# attempts, then the logs.
_PURGE_SET = f"""WITH old AS (
       SELECT id FROM webhook_logs WHERE {_OLD} ORDER BY created_at LIMIT :n FOR UPDATE SKIP LOCKED),
     attempts AS (
       DELETE FROM webhook_attempts WHERE log_id IN (SELECT id FROM old))
DELETE FROM webhook_logs WHERE id IN (SELECT id FROM old) RETURNING id"""

# SQLite (one writer at a time: the transaction is the lock). The same ordered, tie-broken
# selection twice in one transaction picks the same logs: first their attempts, then them.
_OLD_ITEMS = f"SELECT id FROM webhook_logs WHERE {_OLD} ORDER BY created_at, id LIMIT :n"
_PURGE_ITEMS = (
    f"DELETE FROM webhook_attempts WHERE log_id IN ({_OLD_ITEMS})",
    f"DELETE FROM webhook_logs WHERE id IN ({_OLD_ITEMS})",
)


async def purge_old_webhooks(*, days: int | None = None, batch: int = BATCH, budget: float = BUDGET) -> int:
    """Delete final webhook logs (and their attempts) unchanged for `days` (default the
    `WEBHOOK_RETENTION_DAYS` setting; 0 keeps everything); returns how many logs went."""
    days = settings.webhook_retention_days if days is None else days
    if days <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=days)
    deadline = time.monotonic() + budget
    deleted = 0
    while True:
        n = await _purge_batch(cutoff, batch)
        deleted += n
        if n < batch or time.monotonic() >= deadline:
            break
    if deleted:
        log.info("deleted %d webhook logs older than %d days", deleted, days)
    return deleted


async def _purge_batch(cutoff: datetime, batch: int) -> int:
    db = await get_db()
    params = {"cutoff": cutoff, "n": batch}
    if db.dialect == "postgresql":
        return len(await db.fetch_all(_PURGE_SET, params))
    attempts, logs = _PURGE_ITEMS
    async with db.transaction() as tx:
        await tx.execute(attempts, params)
        return await tx.execute(logs, params)
