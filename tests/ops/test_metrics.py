"""GET /metrics in-process: request counters by route template, latency, and the database gauges."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import timedelta

import httpx
import pytest

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.settings import settings
from tests.ops.promtext import parse_metrics, sample
from tests.webhooks.webhook_support import Receiver

ORDER_ROUTE = "/api/v1/orders/{order_id}"


async def _metrics(client: httpx.AsyncClient, **headers: str):
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse_metrics(r.text)


async def _pay(client: httpx.AsyncClient, vpa: str = "shopper@upi") -> str:
    order = (await client.post("/api/v1/orders", json={"amount": 5000})).json()
    r = await client.post("/api/v1/payments", json={"order_id": order["id"], "method": "upi", "vpa": vpa})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _wait_settled(client: httpx.AsyncClient, ids: list[str], within: float = 15) -> None:
    deadline = time.monotonic() + within
    for pid in ids:
        while (await client.get(f"/api/v1/payments/{pid}")).json()["status"] == "pending":
            assert time.monotonic() < deadline, f"{pid} still pending"
            await asyncio.sleep(0.1)


async def test_metrics_counts_requests_by_route_template_and_status(client):
    before = await _metrics(client)
    for _ in range(3):
        assert (await client.get(f"/api/v1/orders/order_{uuid.uuid4().hex[:16]}")).status_code == 404
    assert (await client.post("/api/v1/orders", json={"amount": 5000})).status_code == 201
    after = await _metrics(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("paygate_http_requests_total", method="GET", route=ORDER_ROUTE, status="404") == 3
    assert delta("paygate_http_requests_total", method="POST", route="/api/v1/orders", status="201") == 1
    assert delta("paygate_http_request_duration_seconds_count", method="GET", route=ORDER_ROUTE) == 3
    assert delta("paygate_http_request_duration_seconds_bucket", method="GET", route=ORDER_ROUTE, le="+Inf") == 3
    assert not any(re.search(r"order_[0-9a-f]{16}", str(labels)) for _, labels in after)


async def test_metrics_labels_unknown_paths_by_template_not_raw_path(client):
    before = await _metrics(client)
    for i in range(5):
        await client.get(f"/api/v1/nothing-here-{i}")
    after = await _metrics(client)
    labels = {"method": "GET", "route": "/api/{path}", "status": "404"}
    assert (
        sample(after, "paygate_http_requests_total", **labels) - sample(before, "paygate_http_requests_total", **labels)
        == 5
    )
    assert not any("nothing-here" in str(labels) for _, labels in after)


async def test_request_id_is_echoed_or_generated(client):
    r = await client.get("/health", headers={"X-Request-ID": "req-abc.123"})
    assert r.headers["x-request-id"] == "req-abc.123"
    generated = (await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})).headers["x-request-id"]
    assert len(generated) == 16 and generated != "bad id with spaces"


async def test_metrics_reports_payments_by_status_and_queue_depth(client, monkeypatch):
    # long enough that a slow machine cannot settle them before the first scrape
    monkeypatch.setattr(settings, "test_processing_delay", 3000)
    before = await _metrics(client)
    ids = [await _pay(client) for _ in range(3)] + [await _pay(client, vpa="failure@upi")]
    pending = await _metrics(client)
    assert sample(pending, "paygate_payments", status="pending") == 4
    depth = sum(sample(pending, "paygate_queue_depth", queue="payments", state=s) for s in ("pending", "processing"))
    assert depth == 4
    await _wait_settled(client, ids)
    settled = await _metrics(client)
    assert sample(settled, "paygate_payments", status="success") == 3
    assert sample(settled, "paygate_payments", status="failed") == 1
    assert sample(settled, "paygate_payments", status="pending") == 0
    assert sample(settled, "paygate_queue_jobs", queue="payments", state="completed") == 3
    assert sample(settled, "paygate_workers_alive") >= 1
    assert sample(settled, "paygate_database_up") == 1

    def transitions(status: str) -> float:
        name = "paygate_payment_transitions_total"
        return sample(settled, name, status=status) - sample(before, name, status=status)

    # this process created and settled them: each transition counted once (sweeper and task both tried)
    assert [transitions(s) for s in ("pending", "success", "failed")] == [4, 3, 1]


def delta_of(before, after, name: str, **labels: str) -> float:
    return sample(after, name, **labels) - sample(before, name, **labels)


async def test_metrics_time_webhook_attempts_and_sweeps(client):
    receiver = Receiver()
    try:
        before = await _metrics(client)
        r = await client.put("/api/v1/webhooks/config", json={"webhook_url": receiver.url})
        assert r.status_code == 200, r.text
        await _wait_settled(client, [await _pay(client)])
        deadline = time.monotonic() + 15
        while len(receiver.requests) < 3:  # payment.created, payment.pending, payment.success
            assert time.monotonic() < deadline, f"{len(receiver.requests)} of 3 deliveries"
            await asyncio.sleep(0.1)
        # The attempts are observed after the receiver answered: poll the metrics for them.
        while True:
            after = await _metrics(client)
            if delta_of(before, after, "paygate_webhook_attempt_duration_seconds_count", outcome="success") >= 3:
                break
            assert time.monotonic() < deadline, "the three attempts were never observed"
            await asyncio.sleep(0.05)
    finally:
        receiver.stop()

    def delta(name: str, **labels: str) -> float:
        return delta_of(before, after, name, **labels)

    assert delta("paygate_webhook_attempt_duration_seconds_count", outcome="success") == 3
    assert delta("paygate_webhook_attempt_duration_seconds_bucket", outcome="success", le="+Inf") == 3
    assert delta("paygate_sweep_duration_seconds_count") >= 1  # the sweeper runs every 0.2 s here
    assert time.time() - sample(after, "paygate_sweeper_last_run_timestamp_seconds") < 5


async def test_metrics_webhook_attempts_by_outcome(client):
    db = await get_db()
    now = utcnow()
    log_id = str(uuid.uuid4())
    await db.execute(
        """INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url, created_at, updated_at)
           VALUES (:id, :m, 'payment.success', '{}', 'failed', 5, 'http://127.0.0.1:9/hook', :now, :now)""",
        {"id": log_id, "m": TEST_MERCHANT["id"], "now": now},
    )
    outcomes = [(200, None), (500, "HTTP 500"), (None, "Timed out after 5s"), (None, "ConnectError: refused")]
    for attempt, (code, error) in enumerate([*outcomes, (204, None)], start=1):
        await db.execute(
            """INSERT INTO webhook_attempts (log_id, attempt, response_code, error, duration_ms, created_at)
               VALUES (:log, :n, :code, :error, 10, :now)""",
            {"log": log_id, "n": attempt, "code": code, "error": error, "now": now},
        )
    got = await _metrics(client)
    expected = {"success": 2, "http_error": 1, "timeout": 1, "network_error": 1}
    assert {o: sample(got, "paygate_webhook_attempts_total", outcome=o) for o in expected} == expected


async def test_metrics_sweeper_lag_grows_when_no_worker_runs(idle_client):
    pid = await _pay(idle_client)
    assert sample(await _metrics(idle_client), "paygate_sweeper_lag_seconds") < 2
    db = await get_db()
    await db.execute(
        "UPDATE payments SET process_after = :t WHERE id = :id", {"t": utcnow() - timedelta(seconds=42), "id": pid}
    )
    got = await _metrics(idle_client)
    assert 41 <= sample(got, "paygate_sweeper_lag_seconds") < 50
    assert sample(got, "paygate_workers_alive") == 0
    assert sample(got, "paygate_queue_depth", queue="payments", state="processing") == 1


async def test_metrics_token_required_when_configured(idle_client, monkeypatch):
    monkeypatch.setattr(settings, "paygate_metrics_token", "s3cret-token")
    r = await idle_client.get("/metrics")
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert (await idle_client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    assert (await idle_client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})).status_code == 200


@pytest.mark.parametrize("outcome", ["success", "http_error", "timeout", "network_error"])
def test_webhook_outcome_matches_the_sql_classification(outcome):
    from paygate_app.core.observability import webhook_outcome

    cases = {
        "success": (201, None),
        "http_error": (410, "HTTP 410"),
        "timeout": (None, "Timed out after 5s"),
        "network_error": (None, "Refused: private address"),
    }
    assert webhook_outcome(*cases[outcome]) == outcome
