"""The SDK widget in a real Chromium: the merchant's onSuccess / onFailure callbacks.

Payloads are normalised to camelCase, fire once per payment (also after a reopen), and a
throwing callback does not break the widget. The fake origins are in sdk_harness.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.sdk_harness import events as _events
from tests.e2e.sdk_harness import modal_count as _modal_count
from tests.e2e.sdk_harness import open_widget as _open

# Fixtures: the two local origins, and `page` opened on the shop (it overrides conftest's).
from tests.e2e.sdk_harness import origins as origins
from tests.e2e.sdk_harness import page as page

pytestmark = pytest.mark.e2e


def test_success_calls_on_success_and_keeps_modal_open(page):
    frame = _open(page)
    frame.locator("#ok").click()
    page.wait_for_function("window.events.length >= 1")
    assert _events(page) == [
        [
            "success",
            {
                "paymentId": "pay_AAAAAAAAAAAAAAAA",
                "orderId": "order_Test 1&x=y",
                "status": "success",
            },
        ]
    ]
    page.wait_for_timeout(200)
    assert _modal_count(page) == 1  # stays on the result screen
    # A repeated message for the same payment does not fire twice.
    frame.locator("#ok").click()
    page.wait_for_timeout(200)
    assert len(_events(page)) == 1


def test_success_snake_case_is_normalised(page):
    frame = _open(page)
    frame.locator("#ok-snake").click()
    page.wait_for_function("window.events.length >= 1")
    assert _events(page) == [
        [
            "success",
            {
                "paymentId": "pay_CCCCCCCCCCCCCCCC",
                "orderId": "order_Test 1&x=y",
                "status": "success",
            },
        ]
    ]


def test_failure_calls_on_failure(page):
    frame = _open(page)
    frame.locator("#ko").click()
    page.wait_for_function("window.events.length >= 1")
    assert _events(page) == [
        [
            "failure",
            {
                "paymentId": "pay_BBBBBBBBBBBBBBBB",
                "code": "PAYMENT_FAILED",
                "description": "Payment declined",
            },
        ]
    ]
    assert _modal_count(page) == 1


def test_reopen_does_not_duplicate_listeners(page):
    _open(page)
    page.evaluate("checkout.close(); checkout.open()")
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("#ok").click()
    page.wait_for_function("window.events.length >= 2")
    page.wait_for_timeout(200)
    assert [e[0] for e in _events(page)] == ["close", "success"]


def test_throwing_callback_does_not_break_widget(page):
    frame = _open(page, "{onSuccess: () => { throw new Error('merchant bug'); }}")
    frame.locator("#ok").click()
    page.wait_for_timeout(300)
    assert any("merchant bug" in t or "onSuccess" in t for t in page.console_errors)
    page.locator("[data-test-id=close-modal-button]").click()
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]
