"""Worker liveness: each worker upserts a heartbeat row; alive = a beat in the last few seconds."""

from __future__ import annotations

from datetime import timedelta

from paygate_app.core.db import get_db, utcnow

ALIVE_WITHIN = timedelta(seconds=10)


async def beat(name: str) -> None:
    db = await get_db()
    await db.execute(
        """INSERT INTO worker_heartbeats (name, beat_at) VALUES (:n, :t)
           ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at""",
        {"n": name, "t": utcnow()},
    )


async def forget(name: str) -> None:
    db = await get_db()
    await db.execute("DELETE FROM worker_heartbeats WHERE name = :n", {"n": name})


async def workers_alive() -> int:
    db = await get_db()
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM worker_heartbeats WHERE beat_at > :t", {"t": utcnow() - ALIVE_WITHIN}
    )
    return int(row["n"]) if row else 0
