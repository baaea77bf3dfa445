"""Workers as separate processes on Redis: nothing lost, nothing processed twice, clean shutdown."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from paygate_app.core.merchants import TEST_MERCHANT
from tests.support.processes import kill9, start_api, start_worker, terminate

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
AUTH = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}


def _create_payments(client: httpx.Client, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        order = client.post("/api/v1/orders", json={"amount": 1000}).json()
        r = client.post("/api/v1/payments", json={"order_id": order["id"], "method": "upi", "vpa": "a@upi"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def _wait_final(pg_url: str, ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(pg_url) as conn:
            rows = dict(conn.execute("SELECT id, status FROM payments WHERE id = ANY(%s)", (ids,)).fetchall())
        if all(s != "pending" for s in rows.values()) or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


def _wait_workers_alive(pg_url: str, n: int = 1, timeout: float = 30) -> None:
    """Until `n` workers have a fresh heartbeat (they beat once started: database, sweeper, listener)."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(pg_url) as conn:
            alive = conn.execute(
                "SELECT COUNT(*) FROM worker_heartbeats WHERE beat_at > now() - interval '10 seconds'"
            ).fetchone()[0]
        if alive >= n:
            return
        assert time.monotonic() < deadline, f"{alive} of {n} workers alive"
        time.sleep(0.2)


def _wait_some_settled(pg_url: str, ids: list[str], timeout: float = 30) -> None:
    """Until the worker is mid-way: at least one of these payments settled."""
    deadline = time.monotonic() + timeout
    while True:
        with psycopg.connect(pg_url) as conn:
            done = conn.execute(
                "SELECT COUNT(*) FROM payments WHERE id = ANY(%s) AND status <> 'pending'", (ids,)
            ).fetchone()[0]
        if done:
            return
        assert time.monotonic() < deadline, "no payment settled"
        time.sleep(0.05)


def _final_event_counts(pg_url: str) -> dict[str, int]:
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT payment_id, COUNT(*) FROM webhook_logs WHERE event IN ('payment.success', 'payment.failed')"
            " GROUP BY payment_id"
        ).fetchall()
    return dict(rows)


def _set_webhook(client: httpx.Client, url: str) -> None:
    with psycopg.connect(client.headers["x-test-pg"]) as conn:
        conn.execute("UPDATE merchants SET webhook_url = %s WHERE id = %s", (url, TEST_MERCHANT["id"]))


@pytest.fixture
def api(topology_env, tmp_path: Path):
    proc, url = start_api(topology_env, tmp_path)
    with httpx.Client(base_url=url, headers={**AUTH, "x-test-pg": topology_env["DATABASE_URL"]}, timeout=30) as c:
        yield c
    terminate(proc)


def test_worker_process_settles_payment_and_reports_alive(api, topology_env, tmp_path):
    worker = start_worker(topology_env, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while api.get("/api/v1/test/jobs/status").json()["worker_status"] != "running":
            assert time.monotonic() < deadline, "worker never reported alive"
            time.sleep(0.3)
        health = api.get("/health").json()
        assert health["redis"] == "connected" and health["worker"] == "running"
        [pid] = _create_payments(api, 1)
        assert _wait_final(topology_env["DATABASE_URL"], [pid], 15)[pid] == "success"
    finally:
        assert terminate(worker) == 0


def test_kill9_worker_mid_batch_loses_nothing_and_settles_once(api, topology_env, tmp_path, receiver):
    _set_webhook(api, receiver.url)
    worker = start_worker(topology_env, tmp_path, "w1")
    _wait_workers_alive(topology_env["DATABASE_URL"])
    ids = _create_payments(api, 200)
    _wait_some_settled(topology_env["DATABASE_URL"], ids)
    kill9(worker)
    replacement = start_worker(topology_env, tmp_path, "w2")
    try:
        final = _wait_final(topology_env["DATABASE_URL"], ids, 90)
        assert sorted(set(final.values())) == ["success"], final
        counts = _final_event_counts(topology_env["DATABASE_URL"])
        assert all(counts.get(i) == 1 for i in ids), {i: counts.get(i) for i in ids if counts.get(i) != 1}
    finally:
        terminate(replacement)


def test_redis_flushed_mid_batch_sweeper_finishes(api, topology_env, tmp_path):
    worker = start_worker(topology_env, tmp_path)
    try:
        _wait_workers_alive(topology_env["DATABASE_URL"])
        ids = _create_payments(api, 50)
        redis.Redis.from_url(topology_env["REDIS_URL"]).flushdb()
        final = _wait_final(topology_env["DATABASE_URL"], ids, 60)
        assert all(s == "success" for s in final.values()), final
    finally:
        terminate(worker)


def test_payments_wait_for_a_worker_then_complete(api, topology_env, tmp_path):
    ids = _create_payments(api, 5)
    deadline = time.monotonic() + 30
    with psycopg.connect(topology_env["DATABASE_URL"], autocommit=True) as conn:  # now() per statement
        # Until every payment is due (past its process_after): none settled without a worker.
        while conn.execute("SELECT COUNT(*) FROM payments WHERE process_after >= now()").fetchone()[0]:
            assert time.monotonic() < deadline, "payments never came due"
            time.sleep(0.1)
        assert conn.execute("SELECT COUNT(*) FROM payments WHERE status = 'pending'").fetchone()[0] == 5
    worker = start_worker(topology_env, tmp_path)
    try:
        assert all(s == "success" for s in _wait_final(topology_env["DATABASE_URL"], ids, 30).values())
    finally:
        terminate(worker)


def test_idle_worker_exits_zero_on_sigterm(topology_env, tmp_path):
    worker = start_worker(topology_env, tmp_path)
    _wait_workers_alive(topology_env["DATABASE_URL"])
    started = time.monotonic()
    assert terminate(worker) == 0
    assert time.monotonic() - started < 30
