"""Merchant dashboard in a real Chromium: login, logout, registration and the API credentials.

Each test that changes data registers its own merchant through the REST API, so tests do not
depend on each other. Screenshots go to docs/screenshots/ (login, dashboard, register).
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.e2e.live_steps import TEST_MERCHANT, login, new_merchant, pay, screenshot, tid, wait_settled

pytestmark = pytest.mark.e2e

DASHBOARD_ROUTES = [
    "/dashboard",
    "/dashboard/transactions",
    "/dashboard/refunds",
    "/dashboard/webhooks",
    "/dashboard/docs",
]
MASKED = re.compile(r"^•+[A-Za-z0-9]{4}$")


def test_dashboard_pages_redirect_logged_out_visitors_to_login(live_app, page) -> None:
    for route in DASHBOARD_ROUTES:
        page.goto(f"{live_app.url}{route}")
        page.wait_for_url(re.compile(r"/login/?(\?next=[^&#]+)?$"))
        page.locator(tid("login-form")).wait_for()
    assert page.locator(tid("dashboard")).count() == 0


def test_login_returns_to_the_page_first_asked_for(live_app, page) -> None:
    asked = "/dashboard/transactions?status=failed"
    page.goto(f"{live_app.url}{asked}")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.locator(tid("email-input")).fill(TEST_MERCHANT.email)
    page.locator(tid("password-input")).fill(TEST_MERCHANT.password)
    page.locator(tid("login-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/transactions/?\?status=failed$"))
    page.locator(tid("transactions-table")).wait_for()
    # The view in the URL is the view shown: the status filter says Failed.
    assert page.locator(tid("status-filter")).inner_text().strip() == "Failed"


def test_login_next_never_leaves_the_dashboard(live_app, page) -> None:
    page.goto(f"{live_app.url}/login?next=%2F%2Fevil.example%2Fdashboard")
    page.locator(tid("email-input")).fill(TEST_MERCHANT.email)
    page.locator(tid("password-input")).fill(TEST_MERCHANT.password)
    page.locator(tid("login-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/?$"))
    assert page.url.startswith(live_app.url)


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
