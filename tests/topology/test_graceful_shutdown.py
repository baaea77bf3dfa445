"""SIGTERM with work in flight: workers and apps finish it within 30 s and exit 0.

The signal goes to the main process only, as Docker (`docker stop`) and systemd send it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.live_app import ROOT, free_port
from tests.support.processes import start_api, terminate
from tests.topology.stack import AUTH, Stack, topology_services, wait_app, wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
REDIS_DB = 15


@pytest.fixture
def services():
    yield from topology_services(REDIS_DB, "paygate_shutdown")


class SlowReceiver:
    """Answers 200 after `delay` seconds; counts the requests it started and answered."""

    def __init__(self, delay: float) -> None:
        self.started = self.answered = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with outer.lock:
                    outer.started += 1
                time.sleep(delay)
                self.send_response(200)
                self.end_headers()
                with outer.lock:
                    outer.answered += 1

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _db(pg_url: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(sql, args).fetchall()


def _pay(client: httpx.Client) -> str:
    order = client.post("/api/v1/orders", json={"amount": 1000}).json()
    r = client.post("/api/v1/payments", json={"order_id": order["id"], "method": "upi", "vpa": "a@upi"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_worker_sigterm_finishes_in_flight_payments_and_webhooks(services, tmp_path: Path):
    pg_url = services["DATABASE_URL"]
    receiver = SlowReceiver(delay=2.0)
    api, url = start_api(services, tmp_path)
    with Stack(services, tmp_path) as stack, httpx.Client(base_url=url, headers=AUTH, timeout=20) as client:
        try:
            assert client.put("/api/v1/webhooks/config", json={"webhook_url": receiver.url}).status_code == 200
            worker = stack.worker("worker")
            wait_for(lambda: client.get("/health").json()["worker"] == "running", 30, "the worker's heartbeat")
            ids = [_pay(client) for _ in range(20)]  # each: 1.5 s processing, then slow webhooks
            wait_for(lambda: receiver.started > 0, 10, "webhook deliveries in flight", 0.05)
            assert receiver.answered == 0 or _db(pg_url, "SELECT COUNT(*) FROM payments WHERE status = 'pending'")

            rc, seconds = worker.sigterm()
            assert rc == 0, worker.tail()
            assert seconds < 30
            # In flight when the signal came = finished: every payment settled, and every request the
            # receiver answered was recorded as an attempt (none was cut off half-way).
            statuses = dict(_db(pg_url, "SELECT id, status FROM payments WHERE id = ANY(%s)", ids))
            assert set(statuses.values()) == {"success"}, statuses
            recorded = _db(pg_url, "SELECT COUNT(*) FROM webhook_attempts WHERE response_code = 200")[0][0]
            assert recorded == receiver.answered
            assert _db(pg_url, "SELECT COUNT(*) FROM webhook_logs WHERE claimed_until IS NOT NULL")[0][0] == 0

            # Deliveries queued but not started are not lost: the next worker sends them all.
            stack.worker("worker-next")
            wait_for(
                lambda: _db(pg_url, "SELECT COUNT(*) FROM webhook_logs WHERE status <> 'success'")[0][0] == 0,
                90,
                "every webhook delivered by the next worker",
                0.5,
            )
            events = _db(pg_url, "SELECT payment_id FROM webhook_logs WHERE event = 'payment.success'")
            assert sorted(p for (p,) in events) == sorted(ids)
            print(f"worker SIGTERM with in-flight work: exit 0 after {seconds:.1f}s")
        finally:
            terminate(api)
            receiver.server.shutdown()


@pytest.mark.parametrize("launcher", ["reflex-run", "topology-app"])
def test_app_sigterm_finishes_in_flight_request_and_exits_zero(services, tmp_path: Path, launcher: str):
    pg_url = services["DATABASE_URL"]
    with Stack(services, tmp_path) as stack:
        if launcher == "reflex-run":  # what `make run` starts
            app = stack.reflex_run_app("app", ".web-topo-g1")
        else:  # what the Docker image starts (builds first when .web-topo-g2 has no build yet)
            app = stack.served_app("app", ".web-topo-g2")
        wait_app(app)
        result: dict[str, object] = {}

        def slow_request() -> None:
            try:
                r = httpx.post(app.url + "/api/v1/orders", json={"amount": 1000}, headers=AUTH, timeout=60)
                result["status"] = r.status_code
            except httpx.HTTPError as exc:
                result["error"] = repr(exc)

        with psycopg.connect(pg_url) as lock:
            lock.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")  # the request waits on this
            thread = threading.Thread(target=slow_request)
            thread.start()
            wait_for(
                lambda: _db(pg_url, "SELECT COUNT(*) FROM pg_locks WHERE NOT granted")[0][0] > 0,
                15,
                "the request to block on the lock",
                0.1,
            )
            os.kill(app.pid, signal.SIGTERM)
            time.sleep(3)  # the request is still in flight while the app shuts down
            lock.rollback()
        thread.join(30)
        rc = app.popen.wait(timeout=35)
        assert result == {"status": 201}, result
        assert rc == 0, app.tail()
        orders = _db(pg_url, "SELECT COUNT(*) FROM orders")[0][0]
        assert orders == 1


def test_run_sh_restarts_a_killed_worker_and_exits_zero_on_sigterm(services, tmp_path: Path):
    """`make run` with REDIS_URL: a worker killed with SIGKILL comes back; SIGTERM stops all with 0."""
    port = free_port()
    env = {
        **services,
        "PAYGATE_PORT": str(port),
        "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REFLEX_WEB_WORKDIR": ".web-topo-run",
        "PAYGATE_WORKERS": "2",
        "GRANIAN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    with Stack(env, tmp_path) as stack:
        run = stack.spawn("run-sh", [str(ROOT / "scripts" / "run.sh")])
        run.url = f"http://127.0.0.1:{port}"
        wait_app(run)

        def worker_pids() -> list[int]:
            out = subprocess.run(["pgrep", "-P", str(run.pid), "-f", "taskiq worker"], capture_output=True, text=True)
            return sorted(int(p) for p in out.stdout.split())

        first = wait_for(lambda: len(worker_pids()) == 2 and worker_pids(), 30, "2 workers")
        victim = first[0]
        children = subprocess.run(["pgrep", "-P", str(victim)], capture_output=True, text=True).stdout.split()
        for pid in [victim, *map(int, children)]:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: len(worker_pids()) == 2 and victim not in worker_pids(), 30, "the worker to be restarted")

        with httpx.Client(base_url=run.url, headers=AUTH, timeout=20) as client:
            pid = _pay(client)
            wait_for(lambda: client.get(f"/api/v1/payments/{pid}").json()["status"] == "success", 30, "settlement")
            assert client.get("/health").json()["worker"] == "running"
            assert client.get("/metrics").status_code == 200

        rc, seconds = run.sigterm()
        assert rc == 0, run.tail()
        assert seconds < 30
        leftover = subprocess.run(["pgrep", "-g", str(run.pid)], capture_output=True, text=True).stdout.split()
        assert leftover == []
