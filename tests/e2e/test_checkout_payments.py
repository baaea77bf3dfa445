"""Hosted checkout (/checkout?order_id=...) in a real Chromium: paying by UPI and card.

Covers the happy paths, a declined card followed by a retry, and inline validation that never
creates a payment. Unknown / paid orders and small screens: test_checkout_orders.py; the embedded
mode's postMessage: test_checkout_embedded.py.
"""

from __future__ import annotations

import pytest

from paygate_app.components.checkout_logic import card_body, format_amount, parse_expiry
from paygate_app.core.errors import InvalidCard
from tests.e2e.live_steps import (
    FUTURE,
    SCREENSHOTS,
    create_order,
    fill_card,
    get_order,
    get_payment,
    open_checkout,
    pay_upi,
    payments_for,
)

pytestmark = pytest.mark.e2e


# ---- pure helpers (no browser) ------------------------------------------------------------------


def test_amount_format():
    assert format_amount(50000) == "₹500.00"
    assert format_amount(100) == "₹1.00"
    assert format_amount(99999) == "₹999.99"
    assert format_amount(100000) == "₹1,000.00"
    assert format_amount(10000000) == "₹1,00,000.00"
    assert format_amount(12345678901) == "₹12,34,56,789.01"


def test_expiry_and_card_body():
    assert parse_expiry("12/30") == ("12", "30")
    assert parse_expiry("07/2031") == ("07", "2031")
    assert parse_expiry("0731") == ("07", "31")
    for bad in ("", "13", "1/2/3", "ab/cd"):
        with pytest.raises(InvalidCard):
            parse_expiry(bad)
    body = card_body(
        "order_x", {"card_number": "4111 1111 1111 1111", "expiry": "12/30", "cvv": "123", "cardholder_name": ""}
    )
    assert body["card"] == {
        "number": "4111 1111 1111 1111",
        "expiry_month": "12",
        "expiry_year": "30",
        "cvv": "123",
        "holder_name": None,
    }


# ---- hosted checkout ----------------------------------------------------------------------------


def test_upi_success(live_app, page):
    order_id = create_order(live_app, 50000)
    open_checkout(page, live_app, order_id)
    summary = page.locator("[data-test-id=order-summary]")
    assert page.locator("[data-test-id=order-amount]").inner_text() == "₹500.00"
    assert page.locator("[data-test-id=order-id]").inner_text() == order_id
    assert "Test Merchant" in summary.inner_text()
    assert page.locator("[data-test-id=payment-methods]").is_visible()

    page.locator("[data-test-id=vpa-input]").fill("shopper@okaxis")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "checkout.png"))
    page.locator("[data-test-id=pay-button]").click()

    page.locator("[data-test-id=processing-state]").wait_for()
    assert "Processing" in page.locator("[data-test-id=processing-message]").inner_text()
    page.locator("[data-test-id=success-state]").wait_for()
    payment_id = page.locator("[data-test-id=payment-id]").inner_text().strip()
    assert payment_id.startswith("pay_")
    assert "₹500.00" in page.locator("[data-test-id=success-message]").inner_text()

    payment = get_payment(live_app, payment_id)
    assert payment["order_id"] == order_id
    assert payment["status"] == "success"
    assert payment["method"] == "upi" and payment["vpa"] == "shopper@okaxis"
    assert payment["amount"] == 50000
    assert get_order(live_app, order_id)["status"] == "paid"


def test_card_success_indian_grouping(live_app, page):
    order_id = create_order(live_app, 10000000)
    received: list[str] = []  # everything the server sends back over Reflex's socket
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(str(f))))
    open_checkout(page, live_app, order_id)
    assert page.locator("[data-test-id=order-amount]").inner_text() == "₹1,00,000.00"
    fill_card(page, "4111 1111 1111 1111")
    # Client-side hints: the number is grouped and the network shown as you type.
    assert page.locator("[data-test-id=card-number-input]").input_value() == "4111 1111 1111 1111"
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=success-state]").wait_for()
    payment = get_payment(live_app, page.locator("[data-test-id=payment-id]").inner_text().strip())
    assert payment["status"] == "success"
    assert payment["method"] == "card"
    assert payment["card_network"] == "visa" and payment["card_last4"] == "1111"
    assert "number" not in payment and "cvv" not in payment
    # Card data never becomes state: no state delta echoes the number or the expiry.
    assert received, "no websocket frames captured"
    frames = "\n".join(received)
    assert "4111 1111 1111 1111" not in frames and "4111111111111111" not in frames
    assert FUTURE not in frames


def test_card_failure_then_retry_by_upi(live_app, page):
    order_id = create_order(live_app, 75000)
    open_checkout(page, live_app, order_id)
    fill_card(page, "4000000000000002")
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=error-state]").wait_for()
    assert page.locator("[data-test-id=error-message]").inner_text().strip()
    failed = payments_for(live_app, order_id)
    assert [p["status"] for p in failed] == ["failed"]
    assert get_order(live_app, order_id)["status"] == "created"

    page.locator("[data-test-id=retry-button]").click()
    page.locator("[data-test-id=payment-methods]").wait_for()
    pay_upi(page, "again@upi")
    page.locator("[data-test-id=success-state]").wait_for()
    payment_id = page.locator("[data-test-id=payment-id]").inner_text().strip()
    assert payment_id != failed[0]["id"]
    assert get_payment(live_app, payment_id)["status"] == "success"
    assert get_order(live_app, order_id)["status"] == "paid"


def test_invalid_vpa_inline_error_and_no_payment(live_app, page):
    order_id = create_order(live_app)
    open_checkout(page, live_app, order_id)
    pay_upi(page, "not a vpa")
    error = page.locator("[data-test-id=validation-error]")
    error.wait_for()
    assert error.get_attribute("data-error-code") == "INVALID_VPA"
    assert "UPI ID" in error.inner_text()
    assert page.locator("[data-test-id=vpa-input]").get_attribute("aria-invalid") == "true"
    assert page.locator("[data-test-id=upi-form]").is_visible()  # still on the form
    assert page.locator("[data-test-id=processing-state]").count() == 0
    assert payments_for(live_app, order_id) == []

    # Card checks are inline too: Luhn → INVALID_CARD, a past date → EXPIRED_CARD.
    fill_card(page, "4111 1111 1111 1112")
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=validation-error][data-error-code=INVALID_CARD]").wait_for()
    page.locator("[data-test-id=card-number-input]").fill("4111 1111 1111 1111")
    page.locator("[data-test-id=expiry-input]").fill("01/20")
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=validation-error][data-error-code=EXPIRED_CARD]").wait_for()
    assert "expired" in page.locator("[data-test-id=validation-error]").inner_text().lower()
    assert payments_for(live_app, order_id) == []
