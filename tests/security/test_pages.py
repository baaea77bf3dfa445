"""Locked-down pages on the live app (Reflex prod, one port) in a real Chromium.

Every page and API response carries CSP, X-Content-Type-Options, Referrer-Policy; only /checkout
may be framed (by any site: it is the SDK's iframe), every other page refuses framing. The pages
still work under the policy: no CSP violation in the console on /login, /checkout, /store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

AUTH = {"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"}
# Collect violations from the DOM event too (console text varies between Chromium versions).
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def create_order(app) -> str:
    r = httpx.post(f"{app.url}/api/v1/orders", json={"amount": 50000}, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def watch_csp(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.add_init_script(CSP_PROBE)
    return messages


def violations(page, console: list[str]) -> list[str]:
    return console + page.evaluate("window.__csp || []")


@pytest.fixture(scope="module")
def other_origin(live_app) -> Iterator[str]:
    """A third-party page on another origin that frames our pages, like a merchant's site."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            target = parse_qs(urlsplit(self.path).query).get("to", ["/login"])[0]
            body = f'<!doctype html><iframe id="f" src="{live_app.url}{target}" width="600" height="600"></iframe>'
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_pages_send_security_headers(live_app):
    order_id = create_order(live_app)
    for path in ("/login", "/dashboard", "/register", "/store", "/api/v1/orders/x/public", "/checkout.js"):
        r = httpx.get(live_app.url + path, timeout=10, follow_redirects=True)
        assert r.status_code in (200, 404), path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY", path
    r = httpx.get(f"{live_app.url}/checkout?order_id={order_id}&embedded=true", timeout=10, follow_redirects=True)
    assert r.status_code == 200 and "x-frame-options" not in r.headers
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("path", ["/login", "/register", "/store"])
def test_page_renders_without_csp_violations(live_app, page, path: str):
    console = watch_csp(page)
    page.goto(live_app.url + path)
    page.wait_for_load_state("networkidle")
    page.locator("body").wait_for()
    assert page.evaluate("document.querySelectorAll('[data-test-id]').length") > 0, "page did not render"
    assert violations(page, console) == []


def test_login_works_under_csp(live_app, page):
    """The event socket (/_event) and state updates work: a real login reaches the dashboard."""
    console = watch_csp(page)
    page.goto(live_app.url + "/login")
    page.fill("[data-test-id=email-input]", "test@example.com")
    page.fill("[data-test-id=password-input]", "test123")
    page.click("[data-test-id=login-button]")
    page.locator("[data-test-id=dashboard]").wait_for()
    assert violations(page, console) == []


def test_checkout_pays_without_csp_violations(live_app, page):
    console = watch_csp(page)
    page.goto(f"{live_app.url}/checkout?order_id={create_order(live_app)}")
    page.locator("[data-test-id=checkout-container]").wait_for()
    page.locator("[data-test-id=checkout-loading]").wait_for(state="detached")
    page.locator("[data-test-id=method-upi]").click()
    page.locator("[data-test-id=vpa-input]").fill("shopper@upi")
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=success-state]").wait_for(timeout=30_000)
    assert violations(page, console) == []


def test_checkout_may_be_framed_by_another_site(live_app, page, other_origin):
    order_id = create_order(live_app)
    page.goto(f"{other_origin}/?to=" + quote(f"/checkout?order_id={order_id}&embedded=true", safe=""))
    frame = page.frame_locator("#f")
    frame.locator("[data-test-id=checkout-container]").wait_for()


@pytest.mark.parametrize("path", ["/login", "/dashboard", "/store"])
def test_other_pages_refuse_to_be_framed(live_app, page, other_origin, path: str):
    page.goto(f"{other_origin}/?to=" + quote(path, safe=""))
    page.wait_for_timeout(1500)
    child = next(f for f in page.frames if f is not page.main_frame)
    assert not child.url.startswith(live_app.url) or child.evaluate("document.body.innerHTML") == ""
    assert page.frame_locator("#f").locator("[data-test-id]").count() == 0
