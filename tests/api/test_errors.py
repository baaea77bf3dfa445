"""The error shape for everything a client can send wrong; health; openapi."""

from __future__ import annotations

import httpx


async def test_unknown_api_route_is_404_in_error_shape(client: httpx.AsyncClient):
    r = await client.get("/api/v1/does-not-exist")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND_ERROR"


async def test_oversized_body_is_400(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/orders",
        content=b'{"amount": 500, "x": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "BAD_REQUEST_ERROR"


async def test_wrong_method_is_4xx_in_error_shape(client: httpx.AsyncClient):
    r = await client.delete("/api/v1/orders")
    assert 400 <= r.status_code < 500 and "error" in r.json()


async def test_health_reports_dependencies(client: httpx.AsyncClient):
    body = (await client.get("/health")).json()
    assert body["status"] == "healthy" and body["database"] == "connected"
    assert body["redis"] == "not_configured" and body["worker"] == "running" and body["timestamp"].endswith("Z")


async def test_jobs_and_queue_status_count_real_work(client: httpx.AsyncClient):
    from tests.api.helpers import paid_payment

    await paid_payment(client)
    jobs = (await client.get("/api/v1/test/jobs/status")).json()
    assert jobs["completed"] >= 1 and jobs["worker_status"] == "running"
    queues = (await client.get("/api/v1/queue/status")).json()
    assert set(queues) == {"payments", "refunds", "webhooks"}
    assert queues["payments"]["completed"] == 1


async def test_openapi_describes_routes(client: httpx.AsyncClient):
    spec = (await client.get("/openapi.json")).json()
    for path in ("/api/v1/orders", "/api/v1/payments", "/api/v1/payments/{payment_id}/refunds", "/health"):
        assert path in spec["paths"], path
    assert (await client.get("/docs")).status_code == 200
