"""Drill: Redis goes away under load (killed for 8 s and back empty; or flushed). Workers stay up,
the sweeper settles what was created meanwhile, and every payment created around the outage has
its `payment.success` delivered within 10 s of Redis returning, after its created/pending events.

Private PostgreSQL and Redis (tests/support/servers.py), the API in Granian (2 processes) and two
taskiq workers (each a manager and a child), payments at ~10/s throughout.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.support.processes import start_api, start_worker, terminate
from tests.topology.drills import (
    Load,
    Services,
    assert_settled_once,
    configure_webhook,
    db_rows,
    drill_procs,
    drill_services,
    health,
)
from tests.topology.stack import wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
SETTLED_WITHIN = 10.0  # s after Redis is back, for every payment created around the outage
AROUND = 2.0  # s: "around the outage" starts this long before it and ends this long after it
EVENTS = ("payment.created", "payment.pending", "payment.success")


@pytest.fixture
def services():
    yield from drill_services()


@dataclass
class Outcome:
    created: int
    around: int  # payments created from AROUND s before the outage until AROUND s after it
    settled_after_back: float  # s from Redis back until the last of those had its three events delivered
    late_first_events: int  # payments whose created/pending event reached the receiver after their success
    health_during: dict  # /health half-way through the outage


def _taskiq_pids(drill: str) -> set[int]:
    return {p.pid for p in drill_procs(drill) if "taskiq" in p.cmd}


def _deliveries(receiver) -> list[tuple[float, str, str]]:
    """(arrival, payment id, event) for each webhook the receiver got, in arrival order."""
    with receiver.lock:
        got = list(zip(receiver.arrived, receiver.bodies, strict=True))
    out = []
    for at, body in got:
        event = json.loads(body)
        out.append((at, event["data"]["payment"]["id"], event["event"]))
    return out


def _elapse(seconds: float, since: float) -> None:
    wait_for(lambda: time.monotonic() - since >= seconds, seconds + 1, f"{seconds} s of load", 0.05)


def _run_drill(
    services: Services, tmp_path: Path, receiver, *, down: Callable[[], None], up: Callable[[], None], seconds: float
) -> Outcome:
    """Payments at ~10/s; `down()`, `seconds` later `up()`; the counts; what it measured."""
    drill = services.drill
    api, url = start_api(services.env, tmp_path, workers=2)
    workers = [start_worker(services.env, tmp_path, name=f"worker-{n}") for n in range(2)]
    try:
        configure_webhook(url, receiver.url)
        alive = "SELECT COUNT(*) FROM worker_heartbeats WHERE beat_at > now() - interval '10 seconds'"
        wait_for(lambda: db_rows(services.pg_url, alive)[0][0] == 2, 60, "two workers' heartbeats")
        pids = _taskiq_pids(drill)
        assert len(pids) == 4, drill_procs(drill)  # two managers, two children
        with Load([url], rate=10) as load:
            wait_for(lambda: len(load.created) >= 20, 60, "payments before the outage")
            first = len(load.created)
            _elapse(AROUND, time.monotonic())
            down()
            down_at = time.monotonic()
            _elapse(seconds / 2, down_at)
            mid = health(url)
            _elapse(seconds, down_at)
            up()
            back = time.monotonic()
            _elapse(AROUND, back)
            around = load.created[first:]
            wait_for(lambda: len(load.created) >= first + len(around) + 50, 60, "payments after the outage")

        assert not load.failures, load.failures[:3]  # every create answered 201, Redis or not
        assert around, "no payment was created around the outage"
        assert _taskiq_pids(drill) == pids, "a worker process was restarted"
        consumers = redis.Redis.from_url(services.redis.url).xinfo_consumers("paygate", "paygate-workers")
        assert len(consumers) == 2, consumers  # one per live worker child: none piled up by restarts
        assert db_rows(services.pg_url, alive)[0][0] == 2

        def delivered(ids: list[str], events=EVENTS) -> bool:
            got = {(p, e) for _, p, e in _deliveries(receiver)}
            return all((p, e) in got for p in ids for e in events)

        wait_for(lambda: delivered(around), SETTLED_WITHIN + 40, "the events of the payments around the outage")
        first_at: dict[tuple[str, str], float] = {}
        for at, p, e in _deliveries(receiver):
            first_at.setdefault((p, e), at)
        settled_after_back = max(0.0, *(first_at[(p, e)] - back for p in around for e in EVENTS))

        outcomes = assert_settled_once(services.pg_url, load.created)
        assert outcomes["success"] == len(load.created)  # one transition each, to success
        wait_for(lambda: delivered(load.created, ["payment.success"]), 90, "every payment.success delivered")
        wait_for(
            lambda: len(_deliveries(receiver)) >= len(EVENTS) * len(load.created), 90, "every payment's three events"
        )
        got = _deliveries(receiver)
        per_event = Counter((p, e) for _, p, e in got)
        assert {(p, e) for p in load.created for e in EVENTS} == set(per_event), "an event missing or unexpected"
        twice = {k: n for k, n in per_event.items() if n > 1}
        assert not twice, f"events delivered twice: {list(twice.items())[:5]}"
        for at, p, e in got:
            first_at.setdefault((p, e), at)
        late = sum(
            1 for p in load.created if max(first_at[(p, e)] for e in EVENTS[:2]) > first_at[(p, "payment.success")]
        )
        return Outcome(len(load.created), len(around), settled_after_back, late, mid)
    finally:
        for worker in workers:
            terminate(worker)
        terminate(api)


def test_redis_killed_workers_stay_up_and_everything_settles_within_10s_of_its_return(
    services, tmp_path: Path, receiver
):
    # SIGKILL, then a restart with no persistence: Redis comes back empty (no stream, no group).
    outcome = _run_drill(services, tmp_path, receiver, down=services.redis.kill, up=services.redis.start, seconds=8)
    print(f"redis kill drill: {outcome}")
    assert outcome.health_during["worker"] == "running" and outcome.health_during["redis"] == "disconnected"
    assert outcome.settled_after_back <= SETTLED_WITHIN, outcome
    assert outcome.late_first_events == 0, outcome


def test_redis_flushed_workers_stay_up_and_everything_settles_within_10s(services, tmp_path: Path, receiver):
    def flush() -> None:  # the stream and its group are gone at once; blocked readers get an error
        redis.Redis.from_url(services.redis.url).flushall()

    outcome = _run_drill(services, tmp_path, receiver, down=flush, up=lambda: None, seconds=0)
    print(f"redis flush drill: {outcome}")
    assert outcome.health_during["worker"] == "running"
    assert outcome.settled_after_back <= SETTLED_WITHIN, outcome
    assert outcome.late_first_events == 0, outcome
