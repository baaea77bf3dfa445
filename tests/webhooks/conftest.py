"""Webhook tests run against a real SQLite file and a real PostgreSQL database.

Each backend is migrated once per session with `alembic upgrade head`; every test starts
from empty webhook tables, the seeded test merchant, and a fresh real HTTP receiver on
127.0.0.1 (a threaded `http.server`).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from webhook_support import MerchantInfo, Receiver, make_merchant

from paygate_app.core import db as core_db
from paygate_app.core.merchants import TEST_MERCHANT, seed_test_merchant
from paygate_app.core.settings import Settings, settings
from paygate_app.core.webhooks import delivery

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("PAYGATE_TEST_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")


def _migrate(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('wh') / 'webhooks.db'}"
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    name = f"paygate_wh_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {exc}")
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
        _migrate(url)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


async def _reset(database: core_db.Database) -> None:
    for table in (
        "webhook_attempts",
        "webhook_logs",
        "refunds",
        "payments",
        "orders",
        "idempotency_keys",
        "dashboard_sessions",
    ):
        await database.execute(f"DELETE FROM {table}")
    await database.execute("DELETE FROM merchants WHERE id <> :id", {"id": TEST_MERCHANT["id"]})
    exists = await database.execute(
        "UPDATE merchants SET webhook_url = NULL, webhook_secret = :s WHERE id = :id",
        {"s": TEST_MERCHANT["webhook_secret"], "id": TEST_MERCHANT["id"]},
    )
    if not exists:
        await seed_test_merchant()


@pytest_asyncio.fixture
async def db(backend_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[core_db.Database]:
    """The backend's database, emptied, with settings pointed at it (test retry intervals)."""
    monkeypatch.setattr(settings, "database_url", backend_url)
    settings.__dict__.pop("effective_database_url", None)
    monkeypatch.setattr(settings, "webhook_retry_intervals_test", True)
    monkeypatch.setattr(settings, "test_mode", True)
    # The receivers live on 127.0.0.1: the development default, said explicitly.
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    await core_db.close_db()
    database = await core_db.get_db()
    await _reset(database)
    yield database
    await delivery.close_http_client()
    await core_db.close_db()
    settings.__dict__.pop("effective_database_url", None)


@pytest.fixture
def fast_schedule(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The test schedule scaled down 25x, for tests where the timing itself is not the point."""
    schedule = [0.0, 0.2, 0.4, 0.6, 0.8]
    monkeypatch.setattr(Settings, "webhook_retry_schedule", property(lambda self: list(schedule)))
    return schedule


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def merchant(db: core_db.Database, receiver: Receiver) -> MerchantInfo:
    return await make_merchant(db, webhook_url=receiver.url)
