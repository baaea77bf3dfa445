"""Drill: PostgreSQL crashes under load. Clients get 503 + Retry-After fast, then service resumes by itself.

Private PostgreSQL and Redis (tests/support/servers.py), the API in Granian and one taskiq worker.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import start_api, start_worker, terminate
from tests.topology.drills import (
    Load,
    assert_settled_once,
    configure_webhook,
    delivered_success,
    drill_services,
    health,
)
from tests.topology.stack import AUTH, wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def services():
    yield from drill_services()


def _order_created(url: str) -> bool:
    try:
        return httpx.post(url + "/api/v1/orders", json={"amount": 500}, headers=AUTH, timeout=10).status_code == 201
    except httpx.HTTPError:
        return False


def test_database_outage_answers_503_fast_and_recovers_without_losing_payments(services, tmp_path: Path, receiver):
    api, url = start_api(services.env, tmp_path, workers=2)
    worker = start_worker(services.env, tmp_path)
    try:
        configure_webhook(url, receiver.url)
        wait_for(lambda: health(url).get("worker") == "running", 60, "the worker's heartbeat")
        with Load([url], rate=10) as load:
            wait_for(lambda: len(load.created) >= 20, 60, "payments before the outage")
            services.pg.crash()
            outage_started = time.monotonic()

            # While the database is down: every answer is a 503 in the contract's shape, within ~2 s.
            answers = []
            with httpx.Client(base_url=url, headers=AUTH, timeout=15) as client:
                while time.monotonic() - outage_started < 8:
                    t = time.monotonic()
                    r = client.post("/api/v1/orders", json={"amount": 500})
                    answers.append((r, time.monotonic() - t))
                t = time.monotonic()
                down = client.get("/health")
                health_seconds = time.monotonic() - t
            services.pg.start()
            restarted = time.monotonic()
            wait_for(lambda: _order_created(url), 30, "creates to succeed again after the restart")
            recovery = time.monotonic() - restarted
            created_before_end = len(load.created)
            wait_for(lambda: len(load.created) >= created_before_end + 20, 60, "payments after the outage")

        assert len(answers) >= 3
        slowest = max(seconds for _, seconds in answers)
        for r, _ in answers:
            assert r.status_code == 503, r.text
            assert r.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
            assert int(r.headers["Retry-After"]) >= 1
        assert slowest < 3.0, f"a client waited {slowest:.1f} s for its 503"
        assert down.status_code == 503 and down.json()["database"] == "disconnected"
        assert health_seconds < 4.0
        assert recovery < 15, f"creates failed for {recovery:.1f} s after the database came back"

        outcomes = assert_settled_once(services.pg_url, load.created, unanswered_allowed=len(load.failures))
        assert outcomes["success"] == len(load.created)
        wait_for(lambda: set(load.created) <= delivered_success(receiver), 90, "every payment.success delivered")
        print(
            f"database drill: {len(load.created)} payments, {len(answers)} outage answers, slowest 503 {slowest:.2f} s,"
            f" /health {health_seconds:.2f} s, recovery {recovery:.1f} s, client failures {len(load.failures)}"
        )
    finally:
        terminate(worker)
        terminate(api)
