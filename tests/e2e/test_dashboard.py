"""Merchant dashboard in a real Chromium against the live app.

Each test that changes data registers its own merchant through the REST API, so counts are
exact and tests do not depend on each other. Screenshots of every page go to docs/screenshots/.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DASHBOARD_ROUTES = [
    "/dashboard",
    "/dashboard/transactions",
    "/dashboard/refunds",
    "/dashboard/webhooks",
    "/dashboard/docs",
]
MASKED = re.compile(r"^•+[A-Za-z0-9]{4}$")


# ---- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merchant:
    email: str
    password: str
    api_key: str
    api_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key, "X-Api-Secret": self.api_secret}


TEST_MERCHANT = Merchant("test@example.com", "test123", "key_test_abc123", "secret_test_xyz789")


def new_merchant(app) -> Merchant:
    email = f"dash-{uuid.uuid4().hex[:10]}@example.com"
    r = httpx.post(
        f"{app.url}/api/v1/auth/register",
        json={"name": "Dash Shop", "email": email, "password": "s3cret-pass"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    m = r.json()["merchant"]
    return Merchant(email, "s3cret-pass", m["api_key"], m["api_secret"])


def pay(app, merchant: Merchant, amount: int, vpa: str = "shopper@upi") -> str:
    order = httpx.post(f"{app.url}/api/v1/orders", json={"amount": amount}, headers=merchant.auth, timeout=10)
    assert order.status_code == 201, order.text
    payment = httpx.post(
        f"{app.url}/api/v1/payments",
        headers=merchant.auth,
        timeout=10,
        json={"order_id": order.json()["id"], "method": "upi", "vpa": vpa},
    )
    assert payment.status_code == 201, payment.text
    return payment.json()["id"]


def wait_settled(app, merchant: Merchant, *payment_ids: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    for payment_id in payment_ids:
        while True:
            r = httpx.get(f"{app.url}/api/v1/payments/{payment_id}", headers=merchant.auth, timeout=10)
            if r.json()["status"] != "pending":
                break
            assert time.monotonic() < deadline, f"{payment_id} still pending"
            time.sleep(0.2)


def tid(test_id: str) -> str:
    return f"[data-test-id={test_id}]"


def login(page, app, merchant: Merchant = TEST_MERCHANT) -> None:
    page.goto(f"{app.url}/login")
    page.locator(tid("email-input")).fill(merchant.email)
    page.locator(tid("password-input")).fill(merchant.password)
    page.locator(tid("login-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/?$"))
    page.locator(tid("dashboard")).wait_for()


def go(page, app, route: str, ready: str) -> None:
    page.goto(f"{app.url}{route}")
    page.locator(tid(ready)).first.wait_for()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let fonts and transitions settle
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def choose(page, trigger: str, option: str) -> None:
    page.locator(tid(trigger)).click()
    page.get_by_role("option", name=option, exact=True).click()


def statuses(page) -> list[str]:
    return page.locator(f"{tid('transaction-row')} {tid('status')}").all_inner_texts()


class Receiver:
    """A webhook endpoint on 127.0.0.1: answers 500 to the first delivery, then 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.bodies.append(self.rfile.read(int(self.headers.get("content-length") or 0)))
                self.send_response(500 if len(receiver.bodies) == 1 else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


# ---- auth ---------------------------------------------------------------------------------------


def test_dashboard_pages_redirect_logged_out_visitors_to_login(live_app, page) -> None:
    for route in DASHBOARD_ROUTES:
        page.goto(f"{live_app.url}{route}")
        page.wait_for_url(re.compile(r"/login/?$"))
        page.locator(tid("login-form")).wait_for()
    assert page.locator(tid("dashboard")).count() == 0


def test_login_wrong_password_shows_login_error(live_app, page) -> None:
    page.goto(f"{live_app.url}/login")
    page.locator(tid("login-form")).wait_for()
    screenshot(page, "login")
    page.locator(tid("email-input")).fill("test@example.com")
    page.locator(tid("password-input")).fill("not-the-password")
    page.locator(tid("login-button")).click()
    error = page.locator(tid("login-error"))
    error.wait_for()
    assert "Invalid email or password" in error.inner_text()
    assert re.search(r"/login/?$", page.url)


def test_login_test_merchant_shows_dashboard_with_masked_secret(live_app, page) -> None:
    # A little history, so the screenshot shows numbers and bars.
    paid = [pay(live_app, TEST_MERCHANT, amount) for amount in (149900, 52000, 1250000)]
    failed = pay(live_app, TEST_MERCHANT, 99900, vpa="failure@upi")
    wait_settled(live_app, TEST_MERCHANT, *paid, failed)
    login(page, live_app)
    assert page.locator(tid("api-key")).inner_text() == "key_test_abc123"
    secret = page.locator(tid("api-secret")).inner_text()
    assert MASKED.match(secret) and secret.endswith("z789"), secret
    assert "secret_test_xyz789" not in page.content()
    for stat in ("total-transactions", "total-amount", "success-rate"):
        page.locator(f"{tid('stats-container')} {tid(stat)}").wait_for()
    assert page.locator(tid("total-amount")).inner_text().startswith("₹")
    assert page.locator(tid("success-rate")).inner_text().endswith("%")
    assert page.locator(f"{tid('volume-chart')} .recharts-surface").count() == 1
    screenshot(page, "dashboard")


def test_logout_ends_the_session(live_app, page) -> None:
    login(page, live_app)
    page.locator(tid("logout-button")).click()
    page.wait_for_url(re.compile(r"/login/?$"))
    page.goto(f"{live_app.url}/dashboard")
    page.wait_for_url(re.compile(r"/login/?$"))


def test_register_shows_secret_once_then_masked(live_app, page) -> None:
    email = f"new-{uuid.uuid4().hex[:10]}@example.com"
    page.goto(f"{live_app.url}/register")
    page.locator(tid("register-form")).wait_for()
    page.locator(tid("name-input")).fill("Chai Point")
    page.locator(tid("email-input")).fill(email)
    page.locator(tid("password-input")).fill("chai-secret")
    screenshot(page, "register")
    page.locator(tid("register-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/?$"))
    secret_el = page.locator(tid("api-secret"))
    secret_el.wait_for()
    secret = secret_el.inner_text()
    assert re.fullmatch(r"secret_[A-Za-z0-9]{32}", secret), secret
    assert page.locator(tid("api-key")).inner_text().startswith("key_")
    # The secret really works against the API.
    key = page.locator(tid("api-key")).inner_text()
    r = httpx.post(
        f"{live_app.url}/api/v1/orders",
        json={"amount": 100},
        timeout=10,
        headers={"X-Api-Key": key, "X-Api-Secret": secret},
    )
    assert r.status_code == 201, r.text

    page.reload()
    page.locator(tid("api-secret")).wait_for()
    masked = page.locator(tid("api-secret")).inner_text()
    assert MASKED.match(masked) and masked.endswith(secret[-4:]), masked
    assert secret not in page.content()


def test_regenerate_api_secret_shows_the_new_one_once(live_app, page) -> None:
    merchant = new_merchant(live_app)
    login(page, live_app, merchant)
    page.locator(tid("regenerate-api-secret-button")).click()
    page.locator(tid("confirm-regenerate-button")).click()
    page.wait_for_function("() => document.querySelector('[data-test-id=api-secret]').innerText.startsWith('secret_')")
    secret = page.locator(tid("api-secret")).inner_text()
    page.locator(tid("secret-once-notice")).wait_for()
    orders = f"{live_app.url}/api/v1/orders"
    fresh = {"X-Api-Key": merchant.api_key, "X-Api-Secret": secret}
    assert httpx.post(orders, json={"amount": 100}, headers=fresh, timeout=10).status_code == 201
    assert httpx.post(orders, json={"amount": 100}, headers=merchant.auth, timeout=10).status_code == 401
    page.reload()
    page.locator(tid("api-secret")).wait_for()
    assert page.locator(tid("api-secret")).inner_text().endswith(secret[-4:])
    assert secret not in page.content()


def test_register_duplicate_email_shows_error(live_app, page) -> None:
    page.goto(f"{live_app.url}/register")
    page.locator(tid("name-input")).fill("Copycat")
    page.locator(tid("email-input")).fill("test@example.com")
    page.locator(tid("password-input")).fill("whatever1")
    page.locator(tid("register-button")).click()
    error = page.locator(tid("register-error"))
    error.wait_for()
    assert "Email already registered" in error.inner_text()


# ---- dashboard ----------------------------------------------------------------------------------


def test_dashboard_stats_update_live_after_a_payment(live_app, page) -> None:
    merchant = new_merchant(live_app)
    login(page, live_app, merchant)
    total = page.locator(tid("total-transactions"))
    assert total.inner_text() == "0"
    assert page.locator(tid("total-amount")).inner_text() == "₹0.00"
    assert page.locator(tid("success-rate")).inner_text() == "0.0%"

    payment_id = pay(live_app, merchant, 12345678)  # ₹1,23,456.78
    wait_settled(live_app, merchant, payment_id)
    # No reload: the page refreshes its numbers by itself.
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=total-amount]').innerText === '₹1,23,456.78'", timeout=10_000
    )
    assert total.inner_text() == "1"
    assert page.locator(tid("success-rate")).inner_text() == "100.0%"


# ---- transactions and refunds -------------------------------------------------------------------


def test_transactions_filter_by_status_and_search(live_app, page) -> None:
    merchant = new_merchant(live_app)
    ok = [pay(live_app, merchant, 10000 + i) for i in range(2)]
    bad = pay(live_app, merchant, 20000, vpa="failure@upi")
    wait_settled(live_app, merchant, *ok, bad)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    rows = page.locator(tid("transaction-row"))
    assert rows.count() == 3
    first = rows.first
    for cell in ("payment-id", "order-id", "amount", "method", "status", "created-at"):
        assert first.locator(tid(cell)).inner_text().strip()
    assert first.locator(tid("amount")).inner_text() == "₹200.00"
    screenshot(page, "transactions")

    choose(page, "status-filter", "Failed")
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 1")
    assert statuses(page) == ["failed"]
    assert page.locator(f"{tid('transaction-row')} {tid('payment-id')}").inner_text() == bad

    choose(page, "status-filter", "Success")
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 2")
    assert statuses(page) == ["success", "success"]

    choose(page, "status-filter", "All statuses")
    page.locator(tid("search-input")).fill(ok[0])
    page.locator(tid("search-button")).click()
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 1")
    assert page.locator(f"{tid('transaction-row')} {tid('payment-id')}").inner_text() == ok[0]


def test_partial_refund_from_the_ui_appears_in_refunds_table(live_app, page) -> None:
    merchant = new_merchant(live_app)
    payment_id = pay(live_app, merchant, 50000)
    wait_settled(live_app, merchant, payment_id)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    page.locator(tid("transaction-row")).first.click()
    detail = page.locator(tid("payment-detail"))
    detail.wait_for()
    assert detail.locator(tid("detail-payment-id")).inner_text() == payment_id
    amount = page.locator(tid("refund-amount-input"))
    assert amount.input_value() == "500.00"  # defaults to the full remaining amount, in rupees

    amount.fill("600")  # more than the payment: the core's message is shown
    page.locator(tid("refund-submit-button")).click()
    page.locator(tid("refund-error")).wait_for()
    assert "exceeds available amount" in page.locator(tid("refund-error")).inner_text()

    amount.fill("125.50")
    page.locator(tid("refund-reason-input")).fill("Damaged item")
    page.locator(tid("refund-submit-button")).click()
    page.locator(tid("refund-success")).wait_for()
    assert page.locator(tid("payment-refund-row")).count() == 1
    assert page.locator(tid("detail-refunded")).inner_text() == "₹125.50"
    assert amount.input_value() == "374.50"
    page.keyboard.press("Escape")

    go(page, live_app, "/dashboard/refunds", "refund-row")
    row = page.locator(tid("refund-row"))
    assert row.count() == 1
    assert row.locator(tid("refund-payment-id")).inner_text() == payment_id
    assert row.locator(tid("refund-amount")).inner_text() == "₹125.50"
    # pending → processed shows up without a reload
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=refund-status]').innerText.trim() === 'processed'",
        timeout=15_000,
    )
    screenshot(page, "refunds")


# ---- webhooks -----------------------------------------------------------------------------------


def test_webhook_config_test_event_log_and_retry(live_app, page, receiver) -> None:
    merchant = new_merchant(live_app)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/webhooks", "webhook-config")
    assert page.locator(tid("webhook-secret")).inner_text().startswith("whsec_")
    page.locator(tid("webhook-logs-table")).wait_for()

    url_input = page.locator(tid("webhook-url-input"))
    url_input.fill("ftp://example.com/hook")
    page.locator(tid("save-webhook-button")).click()
    page.locator(tid("webhook-error")).wait_for()

    url_input.fill(receiver.url)
    page.locator(f"{tid('webhook-config-form')} {tid('save-webhook-button')}").click()
    page.locator(tid("webhook-notice")).wait_for()
    r = httpx.get(f"{live_app.url}/api/v1/webhooks/config", headers=merchant.auth, timeout=10)
    assert r.json()["webhook_url"] == receiver.url

    before = page.locator(tid("webhook-secret")).inner_text()
    page.locator(tid("regenerate-secret-button")).click()
    page.wait_for_function(
        "(old) => document.querySelector('[data-test-id=webhook-secret]').innerText !== old", arg=before
    )
    new_secret = page.locator(tid("webhook-secret")).inner_text()
    r = httpx.get(f"{live_app.url}/api/v1/webhooks/config", headers=merchant.auth, timeout=10)
    assert r.json()["webhook_secret"] == new_secret

    page.locator(tid("test-webhook-button")).click()
    item = page.locator(tid("webhook-log-item")).first
    item.wait_for()
    log_id = item.get_attribute("data-webhook-id")
    assert log_id and re.fullmatch(r"[0-9a-f-]{36}", log_id)
    assert item.locator(tid("webhook-event")).inner_text() == "webhook.test"
    # First delivery gets a 500 from the receiver: the row shows it without a reload.
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=webhook-response-code]').innerText.trim() === '500'",
        timeout=15_000,
    )
    assert item.locator(tid("webhook-attempts")).inner_text() == "1"
    assert item.locator(tid("webhook-status")).inner_text() == "pending"
    assert item.locator(tid("webhook-last-attempt")).inner_text() != "—"

    item.locator(tid("retry-webhook-button")).click()
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=webhook-status]').innerText.trim() === 'success'",
        timeout=15_000,
    )
    assert item.locator(tid("webhook-response-code")).inner_text() == "200"
    assert len(receiver.bodies) == 2 and receiver.bodies[0] == receiver.bodies[1]

    item.click()
    page.locator(tid("webhook-detail")).wait_for()
    assert page.locator(tid("webhook-attempt-row")).count() == 2
    assert '"webhook.test"' in page.locator(tid("webhook-payload")).inner_text()
    page.keyboard.press("Escape")
    page.locator(tid("webhook-detail")).wait_for(state="detached")
    screenshot(page, "webhooks")


# ---- docs and small screens ---------------------------------------------------------------------


def test_docs_sections_and_snippets(live_app, page) -> None:
    login(page, live_app)
    go(page, live_app, "/dashboard/docs", "api-docs")
    for section, snippet in [
        ("section-create-order", "code-snippet-create-order"),
        ("section-sdk-integration", "code-snippet-sdk"),
        ("section-webhook-verification", "code-snippet-webhook"),
    ]:
        page.locator(f"{tid(section)} {tid(snippet)}").wait_for()
    create_order = page.locator(tid("code-snippet-create-order")).inner_text()
    assert f"{live_app.url}/api/v1/orders" in create_order
    assert "X-Api-Key: key_test_abc123" in create_order and "X-Api-Secret" in create_order
    sdk = page.locator(tid("code-snippet-sdk")).inner_text()
    assert f'<script src="{live_app.url}/checkout.js"></script>' in sdk
    assert "new PaymentGateway(" in sdk and "checkout.open()" in sdk
    python = page.locator(tid("code-snippet-webhook")).inner_text()
    assert "from paygate_app.core.webhooks.signing import" in python and "verify(" in python
    node = page.locator(tid("code-snippet-webhook-node")).inner_text()
    assert "X-Webhook-Signature" in node and "webhook-signature" in node and "${id}.${timestamp}." in node
    screenshot(page, "docs")


def test_pages_fit_a_375px_screen(live_app, page) -> None:
    login(page, live_app)
    page.set_viewport_size({"width": 375, "height": 800})
    for route, ready in [
        ("/dashboard", "stats-container"),
        ("/dashboard/transactions", "transactions-table"),
        ("/dashboard/refunds", "refunds-table"),
        ("/dashboard/webhooks", "webhook-config"),
        ("/dashboard/docs", "api-docs"),
    ]:
        go(page, live_app, route, ready)
        assert page.locator(tid("nav-menu-button")).is_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{route} is {width}px wide"
