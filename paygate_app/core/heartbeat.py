"""Worker liveness: each worker upserts a heartbeat row; alive = a beat in the last few seconds.

A worker that stops cleanly deletes its row (`forget`). One that is killed (SIGKILL, OOM, a lost
host) cannot: every live worker removes rows that have not beaten for `STALE_AFTER`, at most once
per `PRUNE_EVERY`, so the table holds the workers of the last minute, not every worker ever started.
"""

from __future__ import annotations

import time
from datetime import timedelta

from paygate_app.core.db import get_db, utcnow

ALIVE_WITHIN = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=60)  # a row this old belongs to a dead worker: remove it
PRUNE_EVERY = 30.0  # s, per process

_last_prune = 0.0


async def beat(name: str) -> None:
    global _last_prune
    db = await get_db()
    await db.execute(
        """INSERT INTO worker_heartbeats (name, beat_at) VALUES (:n, :t)
           ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at""",
        {"n": name, "t": utcnow()},
    )
    if time.monotonic() - _last_prune >= PRUNE_EVERY:
        await prune_stale()
        _last_prune = time.monotonic()


async def prune_stale() -> None:
    """Delete the heartbeat rows of workers that stopped beating `STALE_AFTER` ago."""
    db = await get_db()
    await db.execute("DELETE FROM worker_heartbeats WHERE beat_at < :t", {"t": utcnow() - STALE_AFTER})


async def forget(name: str) -> None:
    db = await get_db()
    await db.execute("DELETE FROM worker_heartbeats WHERE name = :n", {"n": name})


async def workers_alive() -> int:
    db = await get_db()
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM worker_heartbeats WHERE beat_at > :t", {"t": utcnow() - ALIVE_WITHIN}
    )
    return int(row["n"]) if row else 0
