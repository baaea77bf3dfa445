"""The production topology, natively: 2 full Reflex apps + 2 taskiq workers on one PostgreSQL + Redis.

App A starts the way `make run` does (`reflex run --env prod --single-port`, which builds), app B the
way the Docker image does (`scripts/topology.sh build` at "image build", then `scripts/topology.sh app`,
which serves that build). Both run 2 Granian workers, so Reflex's state must live in Redis.

Shoppers pay through both apps: one in Chromium on each app's hosted checkout page, then 60 at
once through the API calls the checkout makes, each retried on the other app when its app is gone
(what a load balancer does). Mid-flow app A and worker 1 are killed with SIGKILL; both are restarted.
Nothing may be lost: every order is paid exactly once, every payment settles, every payment.success
webhook reaches the receiver. At the end every process exits 0 on SIGTERM.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from tests.ops.promtext import parse_metrics, sample
from tests.support.live_app import free_port
from tests.topology.stack import AUTH, Proc, Stack, topology_services, wait_app, wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow, pytest.mark.e2e]
REDIS_DB = 14
RETRY_STATUSES = {409, 502, 503, 504}  # 409: the first try's idempotency key is still held


@pytest.fixture
def services():
    yield from topology_services(REDIS_DB, "paygate_fullstack")


class Shopper:
    """HTTP with failover: the preferred app first, the other one when it refuses or is gone."""

    def __init__(self, apps: list[Proc]) -> None:
        self.apps = apps
        self.failovers = 0
        self.lock = threading.Lock()

    def call(self, prefer: int, method: str, path: str, budget: float = 120, **kw) -> httpx.Response:
        deadline = time.monotonic() + budget
        attempt = 0
        while True:
            app = self.apps[(prefer + attempt) % len(self.apps)]
            try:
                r = httpx.request(method, app.url + path, timeout=20, **kw)
                if r.status_code not in RETRY_STATUSES:
                    return r
            except httpx.TransportError:
                pass
            attempt += 1
            with self.lock:
                self.failovers += 1
            assert time.monotonic() < deadline, f"{method} {path}: no app answered in {budget}s"
            time.sleep(0.2)

    def checkout(self, i: int, run: str) -> tuple[str, str, str]:
        """Order (merchant) → public order → payment (checkout page) → poll until final."""
        prefer = i % 2
        order = self.call(
            prefer,
            "POST",
            "/api/v1/orders",
            json={"amount": 1000 + i, "receipt": f"rcpt-{i}"},
            headers={**AUTH, "Idempotency-Key": f"{run}-order-{i}"},
        )
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        assert self.call(prefer, "GET", f"/api/v1/orders/{order_id}/public").json()["status"] == "created"
        pay = self.call(
            prefer,
            "POST",
            "/api/v1/payments/public",
            json={"order_id": order_id, "method": "upi", "vpa": f"shopper{i}@upi"},
            headers={"Idempotency-Key": f"{run}-pay-{i}"},
        )
        assert pay.status_code == 201, pay.text
        payment_id = pay.json()["id"]
        deadline = time.monotonic() + 120
        while (
            status := self.call(prefer, "GET", f"/api/v1/payments/{payment_id}/public").json()["status"]
        ) == "pending":
            assert time.monotonic() < deadline, f"{payment_id} still pending"
            time.sleep(0.3)
        return order_id, payment_id, status


def browser_checkout(browser, app: Proc) -> str:
    """A shopper on the hosted checkout page of `app` (Reflex events over its websocket)."""
    order = httpx.post(app.url + "/api/v1/orders", json={"amount": 50000}, headers=AUTH, timeout=10).json()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(45_000)
        page.goto(f"{app.url}/checkout?order_id={order['id']}")
        page.locator("[data-test-id=vpa-input]").fill("browser@upi")
        page.locator("[data-test-id=pay-button]").click()
        page.locator("[data-test-id=success-state]").wait_for()
        return page.locator("[data-test-id=payment-id]").inner_text().strip()
    finally:
        context.close()


def _health_ok(app: Proc) -> bool:
    try:
        body = httpx.get(app.url + "/health", timeout=3).json()
    except (httpx.HTTPError, ValueError):
        return False
    return body.get("database") == "connected" and body.get("redis") == "connected" and body["worker"] == "running"


def _db(pg_url: str, sql: str, *args) -> list[tuple]:
    with psycopg.connect(pg_url) as conn:
        return conn.execute(sql, args).fetchall()


def test_two_apps_two_workers_lose_nothing_when_one_of_each_is_killed(services, tmp_path: Path, receiver, browser):
    pg_url = services["DATABASE_URL"]
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    with Stack(services, tmp_path) as stack:
        port_a, port_b = free_port(), free_port()
        app_a = stack.reflex_run_app("app-a", ".web-topo-a", port=port_a)  # builds while B builds below
        stack.build(".web-topo-b", port_b)
        app_b = stack.served_app("app-b", ".web-topo-b", port=port_b)
        workers = [stack.worker("worker-1"), stack.worker("worker-2")]
        wait_app(app_a)
        wait_app(app_b)
        apps = [app_a, app_b]
        timings["start"] = time.monotonic() - t0

        r = httpx.put(app_a.url + "/api/v1/webhooks/config", json={"webhook_url": receiver.url}, headers=AUTH)
        assert r.status_code == 200, r.text
        wait_for(lambda: all(_health_ok(a) for a in apps), 30, "both apps to report database, redis and workers")

        # 1. Hosted checkout in a browser on each app (Reflex state on Redis, 2 Granian workers each).
        t = time.monotonic()
        browser_paid = [browser_checkout(browser, app) for app in apps]
        timings["browser_checkouts"] = time.monotonic() - t
        reflex_keys = [k for k in redis.Redis.from_url(services["REDIS_URL"]).scan_iter(count=1000) if b"_state" in k]
        assert reflex_keys, "Reflex state is not in Redis"

        # 2. 60 shoppers at once through both apps; app A and worker 1 die mid-flow.
        shopper = Shopper(apps)
        run = uuid.uuid4().hex[:8]
        killed = threading.Event()

        def killer() -> None:
            wait_for(lambda: _db(pg_url, "SELECT COUNT(*) FROM payments")[0][0] >= 22, 120, "payments in flight", 0.05)
            app_a.kill9()
            workers[0].kill9()
            killed.set()

        t = time.monotonic()
        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        with ThreadPoolExecutor(10) as pool:
            flows = list(pool.map(lambda i: shopper.checkout(i, run), range(60)))
        kill_thread.join()
        timings["flows_with_kills"] = time.monotonic() - t
        assert killed.is_set()
        assert shopper.failovers > 0, "nothing was in flight on app A when it died"

        # 3. Restart the killed app (serving its existing build, like a container restart) and worker.
        t = time.monotonic()
        app_a2 = stack.served_app("app-a-restarted", ".web-topo-a", port=port_a)
        workers[0] = stack.worker("worker-1-restarted")
        wait_app(app_a2)
        apps[0] = app_a2
        timings["restart_app"] = time.monotonic() - t
        flows += [shopper.checkout(i, run) for i in range(60, 64)]
        assert browser_checkout(browser, app_a2).startswith("pay_")

        # Nothing lost: each order paid exactly once, nothing pending, each success announced once.
        assert {status for _, _, status in flows} == {"success"}
        order_ids = [o for o, _, _ in flows]
        paid = dict(_db(pg_url, "SELECT id, status FROM orders WHERE id = ANY(%s)", order_ids))
        assert set(paid.values()) == {"paid"} and len(paid) == len(order_ids)
        per_order = dict(
            _db(pg_url, "SELECT order_id, COUNT(*) FROM payments WHERE status = 'success' GROUP BY order_id")
        )
        assert all(per_order[o] == 1 for o in order_ids), {o: per_order.get(o) for o in order_ids}
        assert _db(pg_url, "SELECT COUNT(*) FROM payments WHERE status = 'pending'")[0][0] == 0
        success_ids = {p for _, p, _ in flows} | set(browser_paid)
        logs = dict(
            _db(pg_url, "SELECT payment_id, COUNT(*) FROM webhook_logs WHERE event = 'payment.success' GROUP BY 1")
        )
        assert all(logs.get(p) == 1 for p in success_ids), {p: logs.get(p) for p in success_ids if logs.get(p) != 1}

        def delivered() -> set[str]:
            with receiver.lock:
                events = [json.loads(b) for b in receiver.bodies]
            return {e["data"]["payment"]["id"] for e in events if e["event"] == "payment.success"}

        t = time.monotonic()
        wait_for(lambda: success_ids <= delivered(), 90, "every payment.success webhook at the receiver", 0.5)
        timings["webhooks_after_flows"] = time.monotonic() - t
        wait_for(lambda: all(_health_ok(a) for a in apps), 30, "health after restarts")

        # Both apps report the same system-wide numbers (read from the database at scrape time).
        for app in apps:
            got = parse_metrics(httpx.get(app.url + "/metrics", timeout=10).text)
            assert sample(got, "paygate_payments", status="success") >= len(success_ids)
            assert sample(got, "paygate_workers_alive") == 2

        # Graceful stop: SIGTERM to each main process, exit 0 well within 30 s.
        exits = {p.name: p.sigterm() for p in [*apps, *workers]}
        timings["sigterm_max"] = max(seconds for _, seconds in exits.values())
        assert {name: rc for name, (rc, _) in exits.items()} == {name: 0 for name in exits}, exits
        assert timings["sigterm_max"] < 30
    timings["total"] = time.monotonic() - t0
    print("full stack timings (s):", {k: round(v, 1) for k, v in timings.items()}, "failovers:", shopper.failovers)
