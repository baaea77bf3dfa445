"""The API under production settings (issue 15, items 1, 6 and 9), called as an attacker would.

In-process ASGI app on SQLite and PostgreSQL; settings as PAYGATE_ENV=production leaves them
(TEST_MODE still on: it must not switch any check off).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import build_api
from paygate_app.core.settings import settings
from tests.api.conftest import AUTH

SSRF_URLS = [
    "http://127.0.0.1:5432/",
    "http://localhost:6379/",
    "http://0.0.0.0:8000/",
    "http://2130706433:8000/",
    "http://0x7f000001:8000/",
    "http://127.1:8000/",
    "http://[::ffff:127.0.0.1]:8000/",
    "http://[::1]:8000/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "paygate_env", "production")
    monkeypatch.setattr(settings, "test_mode", True)
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(settings, "paygate_metrics_token", "")


@pytest.fixture
async def prod_client(backend, production) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=AUTH) as c:
        yield c


@pytest.mark.parametrize("url", SSRF_URLS)
async def test_webhook_url_to_internal_address_refused_in_production(prod_client: httpx.AsyncClient, url: str) -> None:
    r = await prod_client.put("/api/v1/webhooks/config", json={"webhook_url": url})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    assert (await prod_client.get("/api/v1/webhooks/config")).json()["webhook_url"] is None


@pytest.mark.parametrize("path", ["/api/v1/test/merchant", "/api/v1/test/jobs/status"])
async def test_test_routes_are_404_in_production(
    prod_client: httpx.AsyncClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = await prod_client.get(path)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND_ERROR"
    # In production the OpenAPI document itself needs the metrics token.
    monkeypatch.setattr(settings, "paygate_metrics_token", "t0ken-for-docs")
    schema = await prod_client.get("/openapi.json", headers={"Authorization": "Bearer t0ken-for-docs"})
    assert schema.status_code == 200
    assert path not in schema.json()["paths"]


async def test_test_routes_served_outside_production(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/test/merchant")).status_code == 200


async def test_metrics_off_in_production_without_token(prod_client: httpx.AsyncClient) -> None:
    assert (await prod_client.get("/metrics")).status_code == 404


async def test_metrics_in_production_need_the_token(
    prod_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "paygate_metrics_token", "t0ken-for-scrapes")
    assert (await prod_client.get("/metrics")).status_code == 401
    r = await prod_client.get("/metrics", headers={"Authorization": "Bearer t0ken-for-scrapes"})
    assert r.status_code == 200 and "paygate_" in r.text


async def test_webhook_test_events_rate_limited_per_merchant(
    client: httpx.AsyncClient, other: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "rate_limit_enabled", True)
    monkeypatch.setattr(settings, "rate_limit_webhook_test", "5/minute")
    for c in (client, other):
        r = await c.put("/api/v1/webhooks/config", json={"webhook_url": "http://127.0.0.1:9/hook"})
        assert r.status_code == 200, r.text
    for _ in range(5):
        assert (await client.post("/api/v1/webhooks/test")).status_code == 202
    r = await client.post("/api/v1/webhooks/test")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert (await other.post("/api/v1/webhooks/test")).status_code == 202  # its own budget


async def test_webhook_test_events_default_limit_stops_a_flood(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "rate_limit_enabled", True)
    monkeypatch.setattr(settings, "rate_limit_api_key", "1000/second")
    await client.put("/api/v1/webhooks/config", json={"webhook_url": "http://127.0.0.1:9/hook"})
    codes = [(await client.post("/api/v1/webhooks/test")).status_code for _ in range(60)]
    assert codes.count(202) <= 40 and codes.count(429) >= 20
