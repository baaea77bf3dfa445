"""Drill: the HTTP process is killed (SIGKILL) mid-batch; every client retries with its Idempotency-Key.

Private PostgreSQL and Redis (tests/support/servers.py), the API in Granian (one process, so the
batch is one group commit) and one taskiq worker. Issue 18 item 5: before, the clients whose
payment was committed but whose answer the kill cut got 409 for 60 s and then "Order is already
paid", never their payment. Now the key's answer is committed with the payment: every retry
gets its payment back (201, the same id), and nothing is created twice.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.processes import kill9, start_api, start_worker, terminate
from tests.topology.drills import (
    assert_settled_once,
    configure_webhook,
    db_rows,
    delivered_success,
    drill_services,
    health,
)
from tests.topology.stack import AUTH, wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
CLIENTS = 80


@pytest.fixture
def services():
    yield from drill_services()


def _orders(url: str, n: int) -> list[str]:
    with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        made = [client.post("/api/v1/orders", json={"amount": 1000 + i}) for i in range(n)]
    assert all(r.status_code == 201 for r in made), [r.text for r in made if r.status_code != 201][:3]
    return [r.json()["id"] for r in made]


def _pay(url: str, key: str, order_id: str) -> httpx.Response | None:
    """One client's payment request; None if the connection was cut before the answer."""
    body = {"order_id": order_id, "method": "upi", "vpa": "shopper@upi"}
    try:
        return httpx.post(url + "/api/v1/payments", json=body, headers={**AUTH, "Idempotency-Key": key}, timeout=30)
    except httpx.TransportError:
        return None


def _retry(url: str, key: str, order_id: str, budget: float = 30) -> httpx.Response:
    """What a client does after a cut: the same request with the same key until it is answered (409: in flight)."""
    deadline = time.monotonic() + budget
    while True:
        r = _pay(url, key, order_id)
        if r is not None and r.status_code != 409:
            return r
        assert time.monotonic() < deadline, f"{key}: no answer but 409 or a cut within {budget} s"
        time.sleep(0.2)


def test_http_process_killed_mid_batch_every_retry_gets_its_payment(services, tmp_path: Path, receiver):
    api, url = start_api(services.env, tmp_path)
    worker = start_worker(services.env, tmp_path)
    redis_pid = services.redis.proc.pid
    try:
        configure_webhook(url, receiver.url)
        wait_for(lambda: health(url).get("worker") == "running", 60, "the worker's heartbeat")
        order_ids = _orders(url, CLIENTS)
        keys = [f"cut-{i}" for i in range(CLIENTS)]
        # Redis stalls (SIGSTOP): a committed payment's request waits in its ring to the queue, the
        # step between the commit and the answer, so the kill below lands after commits whose
        # answers were not sent, and before the commits of the rest of the batch.
        os.kill(redis_pid, signal.SIGSTOP)
        with psycopg.connect(services.pg_url, autocommit=True) as watch, ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(_pay, url, key, order) for key, order in zip(keys, order_ids, strict=True)]

            def committed() -> bool:
                sql = "SELECT EXISTS (SELECT 1 FROM payments WHERE order_id = ANY(%s))"
                return watch.execute(sql, (order_ids,)).fetchone()[0]

            wait_for(committed, 30, "the batch's first commit", interval=0.005)
            kill9(api)
            first = [f.result() for f in futures]
        os.kill(redis_pid, signal.SIGCONT)
        sql = "SELECT order_id, id FROM payments WHERE order_id = ANY(%s)"
        before_restart = dict(db_rows(services.pg_url, sql, order_ids))
        cut = [i for i, r in enumerate(first) if r is None]
        lost = [i for i in cut if order_ids[i] in before_restart]  # committed, but the answer never came
        assert all(r is None or r.status_code == 201 for r in first), [r.text for r in first if r][:3]
        assert lost, f"the kill cut no committed payment ({len(cut)} cut, {len(before_restart)} committed)"

        api, url = start_api(services.env, tmp_path)
        started = time.monotonic()
        retries = [_retry(url, key, order) for key, order in zip(keys, order_ids, strict=True)]
        retry_seconds = time.monotonic() - started
        for i, r in enumerate(retries):
            assert r.status_code == 201, (keys[i], r.text)
            if first[i] is not None:
                assert r.content == first[i].content, "the replay differs from the first answer"
            if order_ids[i] in before_restart:
                assert r.json()["id"] == before_restart[order_ids[i]], "a retry got another payment than its own"
        payment_ids = [r.json()["id"] for r in retries]
        rows = db_rows(services.pg_url, sql, order_ids)
        assert sorted(p for _, p in rows) == sorted(payment_ids), "payments exist that no client was answered"
        assert len(rows) == CLIENTS  # one payment per client: nothing created twice

        outcomes = assert_settled_once(services.pg_url, payment_ids)
        assert outcomes["success"] == len(payment_ids)
        wait_for(lambda: set(payment_ids) <= delivered_success(receiver), 90, "every payment.success delivered")
        print(
            f"cut-requests drill: {CLIENTS} payments, {len(cut)} requests cut by the kill, {len(lost)} of them"
            f" committed before it; every retry answered 201 with its own payment in {retry_seconds:.1f} s"
        )
    finally:
        os.kill(redis_pid, signal.SIGCONT)
        terminate(worker)
        terminate(api)
