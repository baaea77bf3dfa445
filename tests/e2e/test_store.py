"""Demo store (/store): buy → the real SDK modal (/checkout.js) → pay in the iframe → result on the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.live_steps import get_order, get_payment

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_store(page, app) -> None:
    page.goto(f"{app.url}/store")
    page.locator("[data-test-id=buy-button]").first.wait_for()
    page.wait_for_function("typeof window.PaymentGateway === 'function'")


def buy(page, product_id: str):
    page.locator(f"[data-test-id=buy-button][data-product-id={product_id}]").click()
    page.locator("[data-test-id=payment-modal]").wait_for()
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("[data-test-id=pay-button]").wait_for()
    return frame


def test_store_buy_pay_by_upi_shows_success(live_app, page):
    open_store(page, live_app)
    assert page.locator("[data-test-id=product-card]").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "store.png"))

    frame = buy(page, "earbuds")
    iframe = page.locator("[data-test-id=payment-iframe]")
    src = iframe.get_attribute("src")
    assert "/checkout?order_id=order_" in src and "embedded=true" in src and "parent_origin=" in src
    assert frame.locator("[data-test-id=order-amount]").inner_text() == "₹1,499.00"
    order_id = frame.locator("[data-test-id=order-id]").inner_text().strip()

    frame.locator("[data-test-id=method-upi]").click()
    frame.locator("[data-test-id=vpa-input]").fill("shopper@okicici")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=success-state]").wait_for()
    payment_id = frame.locator("[data-test-id=payment-id]").inner_text().strip()

    result = page.locator("[data-test-id=store-result][data-status=success]")
    result.wait_for()
    assert "Payment successful" in result.inner_text()
    assert page.locator("[data-test-id=store-payment-id]").inner_text().strip() == payment_id
    assert page.locator("[data-test-id=store-order-id]").inner_text().strip() == order_id
    # The modal stays on the result screen until the shopper closes it.
    assert page.locator("[data-test-id=payment-modal]").count() == 1

    payment = get_payment(live_app, payment_id)
    assert payment["status"] == "success" and payment["order_id"] == order_id and payment["amount"] == 149900
    order = get_order(live_app, order_id)
    assert order["status"] == "paid" and order["notes"]["product"] == "Wireless Earbuds"

    page.locator("[data-test-id=close-modal-button]").click()
    assert page.locator("[data-test-id=payment-modal]").count() == 0
    page.wait_for_timeout(300)
    assert page.locator("[data-test-id=store-result]").get_attribute("data-status") == "success"


def test_store_failure_then_retry_in_modal(live_app, page):
    open_store(page, live_app)
    frame = buy(page, "mug")
    frame.locator("[data-test-id=vpa-input]").fill("failure@upi")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=error-state]").wait_for()
    page.locator("[data-test-id=store-result][data-status=failure]").wait_for()

    frame.locator("[data-test-id=retry-button]").click()
    frame.locator("[data-test-id=vpa-input]").fill("second@upi")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=success-state]").wait_for()
    page.locator("[data-test-id=store-result][data-status=success]").wait_for()


def test_store_close_without_paying(live_app, page):
    open_store(page, live_app)
    frame = buy(page, "tshirt")
    frame.locator("[data-test-id=cancel-button]").click()  # close_modal from inside the iframe
    page.locator("[data-test-id=payment-modal]").wait_for(state="detached")
    result = page.locator("[data-test-id=store-result][data-status=closed]")
    result.wait_for()
    assert "No payment was made" in result.inner_text()
