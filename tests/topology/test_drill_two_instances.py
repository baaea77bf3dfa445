"""Drill: two `scripts/run.sh` instances (separate ports, each with its app and worker) share one
PostgreSQL and one Redis, both serve; one instance loses its host (SIGKILL to all its processes) and
the other carries on: it takes new payments and settles the ones the dead instance left in flight.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.topology.drills import (
    Load,
    assert_settled_once,
    configure_webhook,
    db_rows,
    delivered_success,
    drill_procs,
    drill_services,
    health,
    start_run_sh,
    wait_healthy,
)
from tests.topology.stack import wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
ALIVE = "SELECT COUNT(*) FROM worker_heartbeats WHERE beat_at > now() - interval '10 seconds'"


@pytest.fixture
def services():
    yield from drill_services()


def test_two_instances_share_the_database_and_one_carries_on_when_the_other_dies(services, tmp_path: Path, receiver):
    a = start_run_sh(services, tmp_path, "instance-a", http_workers=1, workers=1)
    wait_healthy(a)  # migrations and the seed run once, then the second instance finds them done
    b = start_run_sh(services, tmp_path, "instance-b", http_workers=1, workers=1)
    wait_healthy(b)
    configure_webhook(a.url, receiver.url)  # one merchant, one database: B sees A's configuration
    wait_for(lambda: db_rows(services.pg_url, ALIVE)[0][0] == 2, 30, "both instances' workers alive")

    with Load([a.url, b.url], rate=10) as both:
        wait_for(lambda: len(both.created) >= 30, 60, "payments through both instances")
    assert not both.failures, both.failures[:3]

    with Load([b.url], rate=10) as survivor:
        wait_for(lambda: len(survivor.created) >= 5, 30, "payments through B")
        a_pids = {p.pid for p in drill_procs(services.drill)} - {p.pid for p in _instance(services.drill, b)}
        os.killpg(a.popen.pid, signal.SIGKILL)  # instance A's host is gone: run.sh, app and worker at once
        a.popen.wait(timeout=10)
        killed_at = time.monotonic()
        wait_for(lambda: not a_pids & {p.pid for p in drill_procs(services.drill)}, 20, "A's processes to exit")
        wait_for(lambda: len(survivor.created) >= 40, 60, "payments through B after A died")
    assert not survivor.failures, survivor.failures[:3]

    created = both.created + survivor.created
    outcomes = assert_settled_once(services.pg_url, created)
    settled_seconds = time.monotonic() - killed_at
    assert outcomes["success"] == len(created)
    wait_for(lambda: set(created) <= delivered_success(receiver), 90, "every payment.success delivered")
    wait_for(lambda: db_rows(services.pg_url, ALIVE)[0][0] == 1, 30, "A's worker no longer counted alive")
    assert health(b.url)["status"] == "healthy" and health(b.url)["worker"] == "running"
    print(
        f"two-instance drill: {len(created)} payments ({len(both.created)} through both, {len(survivor.created)}"
        f" through B), all final and settled once {settled_seconds:.1f} s after A died"
    )


def _instance(drill: str, inst) -> list:
    """The processes of one run.sh instance: it and its descendants."""
    procs = drill_procs(drill)
    mine, grew = {inst.popen.pid}, True
    while grew:
        more = {p.pid for p in procs if p.ppid in mine} - mine
        mine |= more
        grew = bool(more)
    return [p for p in procs if p.pid in mine]
