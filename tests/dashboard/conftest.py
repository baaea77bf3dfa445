"""Dashboard core tests (sessions, stats) against SQLite and the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from paygate_app.core.db import close_db, get_db
from paygate_app.core.merchants import seed_test_merchant
from paygate_app.core.settings import settings
from tests.support.databases import create_pg_database, drop_pg_database, migrate, wipe


@pytest.fixture(scope="session")
def dashboard_database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('dash-db') / 'dash.db'}"
    migrate(sqlite_url)
    pg_url = create_pg_database("paygate_dash_test")
    migrate(pg_url)
    yield {"sqlite": sqlite_url, "postgres": pg_url}
    drop_pg_database(pg_url)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request, dashboard_database_urls, monkeypatch) -> AsyncIterator[object]:
    await close_db()
    monkeypatch.setattr(settings, "database_url", dashboard_database_urls[request.param])
    settings.__dict__.pop("effective_database_url", None)
    database = await get_db()
    await wipe(database)
    await seed_test_merchant()
    yield database
    await close_db()
    settings.__dict__.pop("effective_database_url", None)
