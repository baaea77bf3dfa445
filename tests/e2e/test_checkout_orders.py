"""Hosted checkout in a real Chromium: orders it must not take, and a 375 px screen.

Unknown, missing, foreign (another merchant's key) and already paid orders show no pay button.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.live_steps import AUTH, create_order, fill_card, get_order, open_checkout

pytestmark = pytest.mark.e2e


def test_unknown_order(live_app, page):
    open_checkout(page, live_app, "order_DoesNotExist0000")
    container = page.locator("[data-test-id=checkout-container]")
    page.locator("[data-test-id=checkout-unavailable]").wait_for()
    assert "Order not found" in container.inner_text()
    assert page.locator("[data-test-id=pay-button]").count() == 0


def test_missing_order_id(live_app, page):
    page.goto(f"{live_app.url}/checkout")
    page.locator("[data-test-id=checkout-unavailable]").wait_for()
    assert "No order" in page.locator("[data-test-id=checkout-container]").inner_text()


def test_key_that_does_not_own_the_order(live_app, page):
    r = httpx.post(
        f"{live_app.url}/api/v1/auth/register",
        json={"name": "Other Shop", "email": f"other-{time.time_ns()}@example.com", "password": "secret123"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    other_key = r.json()["merchant"]["api_key"]
    order_id = create_order(live_app)
    open_checkout(page, live_app, order_id, key=other_key)
    page.locator("[data-test-id=checkout-unavailable]").wait_for()
    assert "Order not found" in page.locator("[data-test-id=checkout-container]").inner_text()
    # The owner's key works.
    open_checkout(page, live_app, order_id, key="key_test_abc123")
    page.locator("[data-test-id=pay-button]").wait_for()


def test_already_paid_order(live_app, page):
    order_id = create_order(live_app)
    r = httpx.post(
        f"{live_app.url}/api/v1/payments",
        json={"order_id": order_id, "method": "upi", "vpa": "first@upi"},
        headers=AUTH,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 20
    while get_order(live_app, order_id)["status"] != "paid":
        assert time.monotonic() < deadline, "payment did not settle"
        time.sleep(0.3)
    open_checkout(page, live_app, order_id)
    page.locator("[data-test-id=order-already-paid]").wait_for()
    assert "already been paid" in page.locator("[data-test-id=checkout-container]").inner_text()
    assert page.locator("[data-test-id=pay-button]").count() == 0


def test_mobile_375(live_app, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        open_checkout(page, live_app, create_order(live_app))
        fill_card(page, "4111111111111111")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        pay_box = page.locator("[data-test-id=pay-button]").bounding_box()
        assert pay_box["x"] >= 0 and pay_box["x"] + pay_box["width"] <= 375
        page.locator("[data-test-id=pay-button]").click()
        page.locator("[data-test-id=success-state]").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
