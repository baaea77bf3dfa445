"""Dashboard sessions as an attacker meets them, in a real Chromium against the real app.

- Nothing Reflex stores (`.states/*.pkl`, or Redis with Redis state) holds the session token,
  the API secret or the webhook secret, after login, register, reveal and regenerate.
- Logging out in one tab ends every tab: Reveal and Refresh in the others go to /login.
- The login and register pages share the API's per-IP budget ("Too many requests").
- A flood of wrong logins (API and page) does not stall the server: /health stays fast.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.live_steps import go, login, new_merchant, tid
from tests.support.live_app import ROOT, LiveApp, start_app

pytestmark = pytest.mark.e2e

STATE_REDIS_URL = "redis://127.0.0.1:6379/10"
TOKEN_KEY = "paygate_session"
LOGIN_URL = re.compile(r"/login/?(\?next=[^&#]+)?$")  # next: the dashboard page asked for
SECRET_TEXT = "(document.querySelector('[data-test-id=webhook-secret]')?.innerText ?? '')"


def poll(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def own_app(workdir: Path, **env: str) -> LiveApp:
    """A second app beside the shared one. Its pages are built in a copy of `.web` (the build
    bakes in the app's own URL, so it must not overwrite the shared app's build)."""
    web = workdir / "web"
    shutil.copytree(ROOT / ".web", web, ignore=shutil.ignore_patterns("node_modules", "build", ".states"))
    (web / "node_modules").symlink_to(ROOT / ".web" / "node_modules")
    return start_app(workdir, web_workdir=str(web), **env)


# ---- secrets at rest -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["disk", "redis"])
def state_app(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, object]]:
    """An app whose Reflex states go to a private directory, or to a Redis database."""
    workdir = tmp_path_factory.mktemp(f"states-{request.param}")
    states_dir = workdir / "states"
    extra = {"REFLEX_REDIS_URL": STATE_REDIS_URL} if request.param == "redis" else {}
    app = own_app(workdir, RATE_LIMIT_ENABLED="false", REFLEX_STATES_WORKDIR=str(states_dir), **extra)
    yield app, (STATE_REDIS_URL if request.param == "redis" else states_dir)
    app.stop()


def stored_states(where) -> list[bytes]:
    """Every stored Reflex state: the files under the states directory, or every value in Redis."""
    if isinstance(where, Path):
        return [p.read_bytes() for p in where.rglob("*") if p.is_file()]
    import redis

    client = redis.Redis.from_url(where)
    try:
        values = []
        for key in client.scan_iter(count=500):
            kind = client.type(key)
            if kind == b"string":
                values.append(key + b"\n" + (client.get(key) or b""))
            elif kind == b"hash":
                values.append(key + b"\n" + b"\n".join(k + b"=" + v for k, v in client.hgetall(key).items()))
            else:
                values.append(key)
        return values
    finally:
        client.close()


def test_dashboard_secrets_are_not_in_stored_state(state_app, page) -> None:
    app, where = state_app
    email = f"rest-{uuid.uuid4().hex[:10]}@example.com"
    page.goto(f"{app.url}/register")
    page.locator(tid("register-form")).wait_for()
    page.locator(tid("name-input")).fill("At Rest Shop")
    page.locator(tid("email-input")).fill(email)
    page.locator(tid("password-input")).fill("rest-password-1")
    page.locator(tid("register-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/?$"))
    page.wait_for_function("() => document.querySelector('[data-test-id=api-secret]')?.innerText.startsWith('secret_')")
    first_secret = page.locator(tid("api-secret")).inner_text()
    token = page.evaluate(f"() => window.localStorage.getItem('{TOKEN_KEY}')")
    assert token and len(token) >= 32

    page.locator(tid("regenerate-api-secret-button")).click()
    page.locator(tid("confirm-regenerate-button")).click()
    page.wait_for_function(
        "(old) => { const t = document.querySelector('[data-test-id=api-secret]').innerText;"
        " return t.startsWith('secret_') && t !== old; }",
        arg=first_secret,
    )
    second_secret = page.locator(tid("api-secret")).inner_text()

    page.locator(f"{tid('nav-webhooks')}:visible").first.click()  # in-app navigation: the same connection
    page.wait_for_function(f"() => {SECRET_TEXT}.startsWith('whsec_') && {SECRET_TEXT}.includes('•')")
    masked = page.locator(tid("webhook-secret")).inner_text()
    page.locator(tid("reveal-webhook-secret-button")).click()
    page.wait_for_function(f"() => {SECRET_TEXT}.startsWith('whsec_') && !{SECRET_TEXT}.includes('•')")
    first_webhook_secret = page.locator(tid("webhook-secret")).inner_text()
    assert first_webhook_secret.startswith("whsec_") and first_webhook_secret[-4:] == masked[-4:]
    page.locator(tid("regenerate-secret-button")).click()
    page.wait_for_function(
        "(old) => { const t = document.querySelector('[data-test-id=webhook-secret]').innerText;"
        " return t.startsWith('whsec_') && !t.includes('•') && t !== old; }",
        arg=first_webhook_secret,
    )
    second_webhook_secret = page.locator(tid("webhook-secret")).inner_text()
    # The revealed secrets are the real ones (the API agrees).
    r = httpx.get(
        f"{app.url}/api/v1/webhooks/config",
        headers={"X-Api-Key": _api_key(app, email), "X-Api-Secret": second_secret},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["webhook_secret"] == second_webhook_secret

    # Wait until the last handler's state (its notice) is stored, so the check is not vacuous.
    notice = b"New signing secret created"

    def stored() -> list[bytes] | None:
        states = stored_states(where)
        return states if any(notice in v for v in states) and any(email.encode() in v for v in states) else None

    states = poll(stored, what="the dashboard state to be stored")
    blob = b"\n".join(states)
    for name, secret in {
        "session token": token,
        "first API secret": first_secret,
        "API secret": second_secret,
        "first webhook secret": first_webhook_secret,
        "webhook secret": second_webhook_secret,
    }.items():
        assert secret.encode() not in blob, f"{name} found in stored Reflex state"


def _api_key(app: LiveApp, email: str) -> str:
    r = httpx.post(f"{app.url}/api/v1/auth/login", json={"email": email, "password": "rest-password-1"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["merchant"]["api_key"]


# ---- logout ends every tab -----------------------------------------------------------------------


def test_logout_in_one_tab_ends_the_session_in_every_tab(live_app, browser) -> None:
    merchant = new_merchant(live_app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab_a, tab_b, tab_c = (context.new_page() for _ in range(3))
        for tab in (tab_a, tab_b, tab_c):
            tab.set_default_timeout(15_000)
        login(tab_a, live_app, merchant)
        # The other tabs share the browser's session (no second login).
        go(tab_b, live_app, "/dashboard/webhooks", "webhook-config")
        go(tab_c, live_app, "/dashboard/transactions", "refresh-button")
        tab_b.locator(tid("reveal-webhook-secret-button")).click()
        tab_b.wait_for_function(f"() => {SECRET_TEXT}.startsWith('whsec_') && !{SECRET_TEXT}.includes('•')")
        tab_b.locator(tid("reveal-webhook-secret-button")).click()  # hide again
        tab_b.wait_for_function(f"() => {SECRET_TEXT}.includes('•')")

        tab_a.locator(tid("logout-button")).click()
        tab_a.wait_for_url(LOGIN_URL)

        # The other tabs leave by themselves: their live updates (every 2 s) re-check the session.
        tab_b.wait_for_url(LOGIN_URL)
        tab_b.locator(tid("login-form")).wait_for()
        assert tab_b.locator(tid("webhook-secret")).count() == 0

        tab_c.wait_for_url(LOGIN_URL)
        tab_c.locator(tid("login-form")).wait_for()
        assert tab_c.locator(tid("transactions-table")).count() == 0
    finally:
        context.close()


def test_copied_reflex_client_token_does_not_open_the_dashboard(live_app, browser) -> None:
    """A second browser that reuses a logged-in tab's Reflex client token (but not its session
    token) is sent to /login: the session is bound to the browser's token, not to the tab state."""
    merchant = new_merchant(live_app)
    victim = browser.new_context()
    attacker = browser.new_context()
    try:
        page = victim.new_page()
        login(page, live_app, merchant)
        storage = page.evaluate("() => JSON.stringify(Object.assign({}, window.sessionStorage))")
        page.close()  # the victim's tab goes away; its state stays on the server
        thief = attacker.new_page()
        thief.set_default_timeout(15_000)
        thief.goto(f"{live_app.url}/login")
        thief.locator(tid("login-form")).wait_for()
        thief.evaluate(
            "(s) => { for (const [k, v] of Object.entries(JSON.parse(s))) sessionStorage.setItem(k, v); }", storage
        )
        thief.goto(f"{live_app.url}/dashboard")
        thief.wait_for_url(LOGIN_URL)
        assert thief.locator(tid("api-key")).count() == 0
    finally:
        victim.close()
        attacker.close()


# ---- rate limits on the pages --------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    app = own_app(tmp_path_factory.mktemp("limited"), RATE_LIMIT_ENABLED="true", RATE_LIMIT_IP="3/minute")
    yield app
    app.stop()


def test_login_page_refuses_after_the_ip_limit(limited_app, page) -> None:
    """The page and the API share one per-IP budget: after 3 API logins the page refuses too."""
    wrong = {"email": "test@example.com", "password": "wrong-password"}
    codes = [httpx.post(f"{limited_app.url}/api/v1/auth/login", json=wrong, timeout=10).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    page.goto(f"{limited_app.url}/login")
    page.locator(tid("email-input")).fill("test@example.com")
    page.locator(tid("password-input")).fill("test123")
    page.locator(tid("login-button")).click()
    error = page.locator(tid("login-error"))
    error.wait_for()
    assert "Too many requests" in error.inner_text()
    assert LOGIN_URL.search(page.url)
    page.goto(f"{limited_app.url}/register")
    page.locator(tid("name-input")).fill("Flood Shop")
    page.locator(tid("email-input")).fill(f"flood-{uuid.uuid4().hex[:8]}@example.com")
    page.locator(tid("password-input")).fill("flood-password")
    page.locator(tid("register-button")).click()
    refused = page.locator(tid("register-error"))
    refused.wait_for()
    assert "Too many requests" in refused.inner_text()


def test_store_buy_refuses_after_the_ip_limit(limited_app, page) -> None:
    """Each Buy creates an order: the demo store spends a per-IP budget (3/minute here)."""
    page.goto(f"{limited_app.url}/store")
    button = page.locator("[data-test-id=buy-button][data-product-id=mug]")
    button.wait_for()
    page.wait_for_function("typeof window.PaymentGateway === 'function'")
    for _ in range(3):
        button.click()
        page.locator("[data-test-id=payment-modal]").wait_for()
        page.locator("[data-test-id=close-modal-button]").click()
        page.locator("[data-test-id=payment-modal]").wait_for(state="detached")
    button.click()
    refused = page.locator("[data-test-id=store-result][data-status=error]")
    refused.wait_for()
    assert "Too many requests" in refused.inner_text()
    assert page.locator("[data-test-id=payment-modal]").count() == 0


def test_register_page_refuses_a_blank_password_inline(live_app, page) -> None:
    page.goto(f"{live_app.url}/register")
    page.locator(tid("name-input")).fill("Blank Shop")
    page.locator(tid("email-input")).fill(f"blank-{uuid.uuid4().hex[:8]}@example.com")
    page.locator(tid("password-input")).fill(" " * 10)
    page.locator(tid("register-button")).click()
    error = page.locator(tid("register-error"))
    error.wait_for()
    assert "password" in error.inner_text().lower()
    assert re.search(r"/register/?$", page.url)


# ---- a flood of wrong logins does not stall the server -------------------------------------------


class HealthProbe:
    """Requests /health back to back from a thread, recording (start, latency, status) of each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[float, float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url + "/health").status_code
                except httpx.HTTPError:
                    status = 0
                self.samples.append((started, time.monotonic() - started, status))

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def during(self, start: float, end: float) -> list[tuple[float, float, int]]:
        """The samples that started while [start, end] lasted."""
        return [s for s in self.samples if start <= s[0] <= end]


def test_flood_of_wrong_logins_leaves_health_fast(live_app, browser) -> None:
    context = browser.new_context()
    pages = [context.new_page() for _ in range(3)]
    try:
        for pg in pages:
            pg.goto(f"{live_app.url}/login")
            pg.locator(tid("login-form")).wait_for()
            pg.locator(tid("email-input")).fill(f"nobody-{uuid.uuid4().hex[:8]}@example.com")
            pg.locator(tid("password-input")).fill("not-the-password")

        def wrong_login(i: int) -> int:
            body = {"email": f"flood-{uuid.uuid4().hex[:8]}@example.com", "password": f"wrong-{i}"}
            return httpx.post(f"{live_app.url}/api/v1/auth/login", json=body, timeout=30).status_code

        with HealthProbe(live_app.url) as probe, ThreadPoolExecutor(max_workers=24) as pool:
            poll(lambda: probe.samples, what="a first /health answer")
            flood_started = time.monotonic()
            for pg in pages:  # the Reflex handler: several submits queued per tab
                pg.evaluate(
                    "() => { const f = document.querySelector('[data-test-id=login-form]');"
                    " for (let i = 0; i < 5; i++) f.requestSubmit(); }"
                )
            codes = []
            for round_ in range(3):
                codes += list(pool.map(wrong_login, range(round_ * 24, round_ * 24 + 24)))
            for pg in pages:
                pg.locator(tid("login-error")).wait_for()
            flood_ended = time.monotonic()
        assert set(codes) <= {401, 503} and codes.count(401) >= 3, codes
        samples = probe.during(flood_started, flood_ended)
        assert len(samples) >= 3, samples
        assert {status for _, _, status in samples} == {200}, samples
        latencies = sorted(latency for _, latency, _ in samples)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        assert p95 < 1.0, f"/health p95 {p95:.2f}s during the flood ({len(samples)} requests)"
    finally:
        context.close()
