"""Kit tests: the API suite's in-process app (test inputs) and a live API server (CLI, receivers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import backend, client, database_urls
from tests.kit.live_kit import Capture, Merchant, register, set_webhook_url
from tests.support.databases import migrate
from tests.support.live_app import app_env
from tests.support.processes import start_api, terminate

__all__ = ["backend", "client", "database_urls"]


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API-only Granian server on a fresh SQLite database, test mode, in-process worker."""
    workdir: Path = tmp_path_factory.mktemp("kit")
    db_url = f"sqlite:///{workdir / 'kit.db'}"
    migrate(db_url)
    env = app_env(
        DATABASE_URL=db_url,
        TEST_MODE="true",
        TEST_PROCESSING_DELAY="200",
        WEBHOOK_RETRY_INTERVALS_TEST="true",
        RATE_LIMIT_ENABLED="false",
        RATE_LIMIT_LOGIN_FAILURES="",
        REDIS_URL="",
    )
    proc, url = start_api(env, workdir)
    yield url
    terminate(proc)
    log = "\n".join(p.read_text() for p in workdir.glob("api-*.log"))
    assert "Traceback" not in log, f"the server logged an unhandled error:\n{log[-4000:]}"


@pytest.fixture
def capture() -> Iterator[Capture]:
    receiver = Capture()
    yield receiver
    receiver.stop()


@pytest.fixture
def merchant(api_url: str, capture: Capture) -> Merchant:
    """A merchant registered over HTTP (a generated webhook secret), its webhook URL on `capture`."""
    m = register(api_url)
    set_webhook_url(api_url, m, capture.url)
    return m
