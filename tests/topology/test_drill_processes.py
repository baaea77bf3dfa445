"""Drills on `scripts/run.sh`: a killed HTTP worker, a killed app, a killed taskiq manager, SIGTERM.

Private PostgreSQL and Redis; payments at ~10/s throughout; counts checked at the end.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.live_app import ROOT
from tests.topology.drills import (
    WEB_DIR,
    Load,
    assert_settled_once,
    children,
    configure_webhook,
    db_rows,
    delivered_success,
    drill_procs,
    drill_services,
    start_run_sh,
    wait_healthy,
)
from tests.topology.stack import wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
INDEX = ROOT / WEB_DIR / "build" / "client" / "index.html"


@pytest.fixture
def services():
    yield from drill_services()


def test_killed_http_worker_is_replaced_and_a_restarted_app_does_not_rebuild(services, tmp_path: Path, receiver):
    drill = services.drill
    inst = start_run_sh(services, tmp_path, "run-a", http_workers=2, workers=1)
    wait_healthy(inst)
    configure_webhook(inst.url, receiver.url)
    app = inst.app_pid(drill)
    http = {p.pid for p in children(drill, app, "granian")}
    assert len(http) == 2, drill_procs(drill)
    built = INDEX.stat().st_mtime_ns

    with Load([inst.url], rate=10) as load:
        wait_for(lambda: len(load.created) >= 10, 60, "payments before the kill")
        victim = sorted(http)[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        respawned = wait_for(
            lambda: (now := {p.pid for p in children(drill, app, "granian")}) and len(now) == 2 and victim not in now,
            20,
            "Granian to replace the killed worker",
        )
        respawn_seconds = time.monotonic() - killed_at
        before = len(load.created)
        wait_for(lambda: len(load.created) >= before + 20, 60, "payments after the worker kill")

        # The whole app (Granian's main process) dies: run.sh restarts it, serving the existing build.
        old_http = {p.pid for p in children(drill, app, "granian")}
        os.kill(app, signal.SIGKILL)
        app_killed_at = time.monotonic()
        wait_for(lambda: not old_http & {p.pid for p in drill_procs(drill)}, 40, "the dead app's HTTP workers to exit")
        orphans_gone_seconds = time.monotonic() - app_killed_at
        wait_for(lambda: children(drill, inst.popen.pid, "granian"), 30, "run.sh to start the app again")
        wait_healthy(inst, timeout=120)
        app_back_seconds = time.monotonic() - app_killed_at
        before = len(load.created)
        wait_for(lambda: len(load.created) >= before + 10, 60, "payments after the app restart")

    assert inst.popen.poll() is None
    assert app not in {p.pid for p in drill_procs(drill)}
    # Requests started after the worker was replaced and before the whole app was killed all succeed.
    late = [f for started, f in load.failures if killed_at + 0.5 < started < app_killed_at - 1.0]
    assert not late, f"requests failed after the HTTP worker was replaced: {late[:3]}"
    assert respawned
    new_app = inst.app_pid(drill)
    assert len(children(drill, new_app, "granian")) == 2
    granian = [p for p in drill_procs(drill) if "granian" in p.cmd]
    assert len(granian) == 3, f"leftover HTTP processes: {granian}"  # the new main + its 2 workers
    assert INDEX.stat().st_mtime_ns == built, "the app restart rebuilt the frontend"
    assert "Creating Production Build" not in inst.tail(100_000)
    assert app_back_seconds < 60

    outcomes = assert_settled_once(services.pg_url, load.created, unanswered_allowed=len(load.failures))
    assert outcomes["success"] == len(load.created)
    wait_for(lambda: set(load.created) <= delivered_success(receiver), 90, "every payment.success delivered")
    print(
        f"HTTP drill: {len(load.created)} payments, worker respawned in {respawn_seconds:.1f} s, app back in"
        f" {app_back_seconds:.1f} s (its orphaned workers gone in {orphans_gone_seconds:.1f} s),"
        f" client failures {len(load.failures)}"
    )


def _taskiq(drill: str) -> list:
    return [p for p in drill_procs(drill) if "taskiq" in p.cmd]


def test_killed_worker_manager_leaves_no_orphan_and_sigterm_stops_everything(services, tmp_path: Path, receiver):
    drill = services.drill
    inst = start_run_sh(services, tmp_path, "run-w", http_workers=1, workers=2)
    wait_healthy(inst)
    configure_webhook(inst.url, receiver.url)
    managers = inst.worker_managers(drill)
    assert len(managers) == 2, drill_procs(drill)
    victim = managers[0].pid
    (orphan,) = children(drill, victim, "taskiq")

    with Load([inst.url], rate=10) as load:
        wait_for(lambda: len(load.created) >= 10, 60, "payments before the kill")
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: orphan.pid not in {p.pid for p in drill_procs(drill)}, 40, "the manager's child to exit")
        child_gone_seconds = time.monotonic() - killed_at

        def two_pairs() -> bool:
            procs = _taskiq(drill)
            managers = [p for p in procs if p.ppid == inst.popen.pid]
            return (
                len(managers) == 2
                and len(procs) == 4
                and all(len(children(drill, m.pid, "taskiq")) == 1 for m in managers)
            )

        wait_for(two_pairs, 30, "run.sh to restore two workers, each one manager + one child")
        alive = "SELECT COUNT(*) FROM worker_heartbeats WHERE beat_at > now() - interval '10 seconds'"
        wait_for(lambda: db_rows(services.pg_url, alive)[0][0] == 2, 30, "two live heartbeats")
        before = len(load.created)
        wait_for(lambda: len(load.created) >= before + 20, 60, "payments after the kill")

    assert not [p for p in _taskiq(drill) if p.ppid == 1], "an orphaned worker"
    outcomes = assert_settled_once(services.pg_url, load.created, unanswered_allowed=len(load.failures))
    assert outcomes["success"] == len(load.created)
    assert not load.failures, load.failures[:3]  # a worker fault never reaches the API's clients
    wait_for(lambda: set(load.created) <= delivered_success(receiver), 90, "every payment.success delivered")

    inst.popen.send_signal(signal.SIGTERM)
    assert inst.popen.wait(timeout=45) == 0, inst.tail()
    wait_for(lambda: not drill_procs(drill), 15, "every process of the instance to exit")
    assert db_rows(services.pg_url, "SELECT COUNT(*) FROM worker_heartbeats")[0][0] == 0
    print(
        f"worker drill: {len(load.created)} payments, the killed manager's child exited in {child_gone_seconds:.1f} s"
    )
