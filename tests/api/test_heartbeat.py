"""Heartbeats: a killed worker's row (it never said goodbye) is removed; /health counts live ones only."""

from __future__ import annotations

from datetime import timedelta

from paygate_app.core import heartbeat
from paygate_app.core.db import get_db, utcnow


async def _names() -> set[str]:
    db = await get_db()
    return {r["name"] for r in await db.fetch_all("SELECT name FROM worker_heartbeats")}


async def _insert(name: str, age: timedelta) -> None:
    db = await get_db()
    await db.execute("INSERT INTO worker_heartbeats (name, beat_at) VALUES (:n, :t)", {"n": name, "t": utcnow() - age})


async def test_beat_removes_rows_of_killed_workers_after_the_grace_period(backend, monkeypatch):
    await _insert("host:1:killed", heartbeat.STALE_AFTER + timedelta(seconds=5))
    await _insert("host:2:quiet", heartbeat.STALE_AFTER - timedelta(seconds=20))  # within the grace period
    monkeypatch.setattr(heartbeat, "_last_prune", 0.0)

    await heartbeat.beat("host:3:live")

    names = await _names()
    assert "host:1:killed" not in names
    assert {"host:2:quiet", "host:3:live"} <= names


async def test_health_counts_only_workers_that_beat_recently(backend, client):
    await _insert("host:1:killed", timedelta(seconds=30))  # past ALIVE_WITHIN, not yet pruned

    live = await heartbeat.workers_alive()

    assert len(await _names()) == live + 1  # the fixture's in-process worker beats; the killed one does not count
    assert (await client.get("/health")).json()["worker"] == "running"
