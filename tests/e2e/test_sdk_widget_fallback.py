"""The SDK widget when the checkout cannot start, or has nothing to start with (no app needed).

A checkout that never says `checkout_ready` (here a page showing an "Application Error", as
Reflex did with third-party storage blocked) is hidden: the shopper gets a clear message and a
link to the hosted page in a new window, and `onFailure` fires once with CHECKOUT_UNAVAILABLE.
The fake origins are in sdk_harness.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.live_steps import SCREENSHOTS
from tests.e2e.sdk_harness import SDK_PATH, SERVED_SDK_PATH
from tests.e2e.sdk_harness import events as _events
from tests.e2e.sdk_harness import modal_count as _modal_count
from tests.e2e.sdk_harness import open_widget as _open

# Fixtures: the two local origins, and `page` opened on the shop (it overrides conftest's).
from tests.e2e.sdk_harness import origins as origins
from tests.e2e.sdk_harness import page as page

pytestmark = pytest.mark.e2e


def test_checkout_that_never_starts_offers_a_new_window(page, origins):
    page.evaluate(
        f"window.checkout = make({{baseUrl: '{origins['gateway']}/broken', loadTimeout: 1500}}); checkout.open()"
    )
    # While loading, the frame (and anything it shows) is hidden behind the modal's own note.
    assert not page.locator("[data-test-id=payment-iframe]").is_visible()
    link = page.locator("[data-test-id=open-checkout-window]")
    link.wait_for()
    assert not page.locator("[data-test-id=payment-iframe]").is_visible()
    assert "Application Error" not in page.locator("[data-test-id=payment-modal]").inner_text()
    parts = urlsplit(link.get_attribute("href"))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == origins["gateway"] + "/broken/checkout"
    assert parse_qs(parts.query) == {"order_id": ["order_Test 1&x=y"], "key": ["key_test_abc123"]}
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert page.evaluate("document.activeElement.getAttribute('data-test-id')") == "open-checkout-window"
    page.screenshot(path=str(SCREENSHOTS / "sdk-checkout-unavailable.png"))
    [(kind, error)] = _events(page)
    assert kind == "failure" and error["code"] == "CHECKOUT_UNAVAILABLE" and error["paymentId"] is None
    assert error["description"]
    page.locator("[data-test-id=close-modal-button]").click()
    assert _modal_count(page) == 0 and _events(page)[-1] == ["close"]


def test_ready_checkout_gets_focus_and_no_fallback(page):
    frame = _open(page, "{loadTimeout: 1500}")
    page.wait_for_function("!document.querySelector('#payment-gateway-modal .pg-loading')")
    assert page.evaluate("document.activeElement.getAttribute('data-test-id')") == "payment-iframe"
    frame.locator("#ok").click()
    page.wait_for_function("window.events.length >= 1")
    # Past the timeout, a started checkout is never replaced.
    page.wait_for_function("performance.now() > 2500")
    assert page.locator("[data-test-id=open-checkout-window]").count() == 0
    assert [e[0] for e in _events(page)] == ["success"]


def test_missing_order_id_is_reported_in_the_modal(page):
    page.evaluate("window.checkout = make({orderId: ''}); checkout.open()")
    message = page.locator("[data-test-id=checkout-problem-message]")
    message.wait_for()
    assert "orderId is required" in message.inner_text()
    assert page.locator("[data-test-id=payment-iframe]").is_hidden()
    [(kind, error)] = _events(page)
    assert kind == "failure" and error["code"] == "BAD_REQUEST_ERROR" and error["paymentId"] is None


def test_focus_is_trapped_in_the_modal(page):
    _open(page)
    page.wait_for_function("!document.querySelector('#payment-gateway-modal .pg-loading')")
    inside = "document.getElementById('payment-gateway-modal').contains(document.activeElement)"
    for key in ["Tab"] * 10 + ["Shift+Tab"] * 10:
        page.keyboard.press(key)
        # Focus leaving the cross-site checkout frame moves between renderer processes and lands
        # a moment after the key press returns: poll for it (a focus that escaped never comes back).
        try:
            page.wait_for_function(inside, timeout=2_000)
        except PlaywrightTimeoutError:
            raise AssertionError(key) from None
    # Focus sent elsewhere by the page comes back.
    page.evaluate("document.getElementById('buy').focus()")
    assert page.evaluate(inside)


def test_escape_inside_the_checkout_closes(page):
    frame = _open(page)
    frame.locator("#ok").focus()
    # Key down only: the checkout closes the modal on keydown, so a key-up would be sent to a
    # frame that is gone, and Chromium never acknowledges it (keyboard.press then hangs).
    page.keyboard.down("Escape")
    page.wait_for_function("!document.getElementById('payment-gateway-modal')")
    assert _events(page) == [["close"]]


def test_page_behind_does_not_scroll_and_is_restored(page):
    page.evaluate("document.body.style.height = '5000px'; document.documentElement.style.overflow = 'auto'")
    _open(page)
    assert page.evaluate("[document.documentElement.style.overflow, document.body.style.overflow]") == [
        "hidden",
        "hidden",
    ]
    page.evaluate("checkout.close()")
    assert page.evaluate("document.documentElement.style.overflow") == "auto"


def test_served_widget_is_the_widget_source():
    """assets/checkout.js (what the gateway serves) is a copy of sdk_js/checkout.js, the source."""
    assert SERVED_SDK_PATH.read_bytes() == SDK_PATH.read_bytes(), "run: cp sdk_js/checkout.js assets/checkout.js"
