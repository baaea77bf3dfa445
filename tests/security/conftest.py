"""Security tests reuse the API fixtures: in-process ASGI app on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api import ratelimit
from api.app import build_api
from paygate_app.core import lockout
from tests.api.conftest import backend, client, database_urls  # noqa: F401 (fixtures)

SECOND_MERCHANT = {"name": "Other Shop", "email": "other@example.com", "password": "other-pass-123"}


@pytest.fixture(autouse=True)
def fresh_limits() -> None:
    """Every test starts with empty rate-limit and lockout counters."""
    ratelimit.reset()
    lockout.reset()


@pytest.fixture
async def anon(backend) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """No credentials; same app."""
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test") as c:
        yield c


@pytest.fixture
async def other(client) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """A second merchant, registered through the API, with its own credentials."""
    r = await client.post("/api/v1/auth/register", json=SECOND_MERCHANT)
    assert r.status_code == 201, r.text
    m = r.json()["merchant"]
    headers = {"X-Api-Key": m["api_key"], "X-Api-Secret": m["api_secret"]}
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=headers) as c:
        yield c
