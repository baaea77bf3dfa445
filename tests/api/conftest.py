"""API tests run in-process (ASGI) against SQLite and the real PostgreSQL, with the in-process worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.app import build_api
from paygate_app.core.db import close_db, get_db
from paygate_app.core.merchants import TEST_MERCHANT, seed_test_merchant
from paygate_app.core.settings import settings
from tests.support.databases import create_pg_database, drop_pg_database, migrate, wipe

AUTH = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'api.db'}"
    migrate(sqlite_url)
    pg_url = create_pg_database()
    migrate(pg_url)
    yield {"sqlite": sqlite_url, "postgres": pg_url}
    drop_pg_database(pg_url)


def use_database(url: str) -> None:
    settings.database_url = url
    settings.__dict__.pop("effective_database_url", None)


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request, database_urls, monkeypatch) -> AsyncIterator[str]:
    """Point the core at one database, empty it, seed the test merchant, run the in-process worker."""
    from tasks.broker import broker

    monkeypatch.setattr(settings, "test_processing_delay", 300)
    monkeypatch.setattr(settings, "test_payment_success", True)
    monkeypatch.setattr(settings, "rate_limit_enabled", False)
    monkeypatch.setattr(settings, "sweeper_interval", 0.2)
    await close_db()
    use_database(database_urls[request.param])
    await wipe(await get_db())
    await seed_test_merchant()
    await broker.startup()  # as the app's lifespan: the in-process worker, and rings heard
    yield request.param
    await broker.shutdown()
    await close_db()


@pytest.fixture
async def client(backend) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=AUTH) as c:
        yield c
