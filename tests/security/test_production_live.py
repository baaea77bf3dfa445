"""The real server started with production settings only (issue 15, item 1), probed from outside.

PAYGATE_ENV=production, DATABASE_URL (PostgreSQL), PAYGATE_SERVER_KEY, PAYGATE_PUBLIC_URL and
nothing else of ours (TEST_MODE stays on, as the docs allow). The queue runs in-process here: a
Redis database shared with other test runs would hand our jobs to their workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from paygate_app.core.merchants import TEST_MERCHANT
from tests.support.databases import create_pg_database, drop_pg_database
from tests.support.live_app import LiveApp, start_app

pytestmark = pytest.mark.e2e

BYPASS_URLS = [
    "http://127.0.0.1:5432/",
    "http://localhost:6379/",
    "http://0.0.0.0:8000/",
    "http://2130706433:8000/",
    "http://0x7f000001:8000/",
    "http://127.1:8000/",
    "http://[::ffff:127.0.0.1]:8000/",
    "http://[::1]:8000/",
    "http://169.254.169.254/latest/meta-data/",
]


@pytest.fixture(scope="module")
def production_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    pg_url = create_pg_database("paygate_prodsafe")
    app = start_app(
        tmp_path_factory.mktemp("production"),
        PAYGATE_ENV="production",
        PAYGATE_SERVER_KEY=uuid.uuid4().hex * 2,
        DATABASE_URL=pg_url,
    )
    try:
        yield app
    finally:
        app.stop()
        drop_pg_database(pg_url)


@pytest.fixture(scope="module")
def merchant_headers(production_app: LiveApp) -> dict[str, str]:
    r = httpx.post(
        production_app.url + "/api/v1/auth/register",
        json={"name": "Prod Shop", "email": f"{uuid.uuid4().hex[:8]}@shop.example", "password": "a-long-passphrase-9"},
        timeout=20,
    )
    assert r.status_code == 201, r.text
    m = r.json()["merchant"]
    return {"X-Api-Key": m["api_key"], "X-Api-Secret": m["api_secret"]}


def test_production_does_not_seed_the_published_test_merchant(production_app: LiveApp) -> None:
    login = {"email": TEST_MERCHANT["email"], "password": TEST_MERCHANT["password"]}
    assert httpx.post(production_app.url + "/api/v1/auth/login", json=login, timeout=20).status_code == 401
    published = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}
    assert httpx.get(production_app.url + "/api/v1/orders", headers=published, timeout=20).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/test/merchant", "/api/v1/test/jobs/status", "/metrics"])
def test_production_serves_no_test_routes_and_no_open_metrics(production_app: LiveApp, path: str) -> None:
    r = httpx.get(production_app.url + path, timeout=20)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND_ERROR"


@pytest.mark.parametrize("url", BYPASS_URLS)
def test_production_refuses_webhooks_to_internal_addresses(
    production_app: LiveApp, merchant_headers: dict[str, str], url: str
) -> None:
    r = httpx.put(
        production_app.url + "/api/v1/webhooks/config", json={"webhook_url": url}, headers=merchant_headers, timeout=20
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"


def test_production_app_refuses_to_start_with_private_webhook_hosts(tmp_path) -> None:
    with pytest.raises(RuntimeError, match="WEBHOOK_ALLOW_PRIVATE_HOSTS"):
        app = start_app(
            tmp_path, PAYGATE_ENV="production", PAYGATE_SERVER_KEY="k" * 64, WEBHOOK_ALLOW_PRIVATE_HOSTS="true"
        )
        app.stop()
