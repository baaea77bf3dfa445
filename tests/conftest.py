"""Shared fixtures: the live app (real Reflex prod server) and a real Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live_app import LiveApp, start_app
from tests.support.servers import PrivateRedis, missing_binaries

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: the sync Playwright loop must not be alive while async tests run."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    app = start_app(tmp_path_factory.mktemp("live-app"), RATE_LIMIT_ENABLED="false")
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A `redis-server` of this test's own on a free port: it may be killed, restarted, flushed."""
    if "redis-server" in missing_binaries():
        pytest.skip("needs redis-server on this machine")
    server = PrivateRedis()
    yield server
    server.close()
