"""Ops tests: metrics, logs, compose file. The in-process API fixtures are shared with tests/api."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import build_api
from paygate_app.core.db import close_db, get_db
from paygate_app.core.merchants import seed_test_merchant
from paygate_app.core.settings import settings
from tests.api.conftest import AUTH, backend, client, database_urls, use_database  # noqa: F401
from tests.support.databases import wipe


@pytest.fixture
async def idle_client(database_urls, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    """The API on SQLite with no worker at all: payments stay pending."""
    monkeypatch.setattr(settings, "rate_limit_enabled", False)
    await close_db()
    use_database(database_urls["sqlite"])
    await wipe(await get_db())
    await seed_test_merchant()
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=AUTH) as c:
        yield c
    await close_db()
