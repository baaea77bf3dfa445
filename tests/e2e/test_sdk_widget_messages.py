"""The SDK widget in a real Chromium: which messages it trusts.

Only the checkout iframe it opened, on the gateway origin, is heard: forged messages from the
merchant page, another gateway-origin frame or our iframe after it navigated away are ignored.
The fake origins are in sdk_harness.py.
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


def test_close_modal_message(page):
    frame = _open(page)
    frame.locator("#close").click()
    page.wait_for_function("window.events.length >= 1")
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]


def test_forged_message_from_merchant_page_is_ignored(page):
    _open(page)
    page.evaluate(
        """() => {
            const data = {paymentId: "pay_FORGEDFORGEDFORG", orderId: "o", status: "success"};
            window.postMessage({type: "payment_success", data}, "*");
            window.postMessage({type: "close_modal", data: {}}, "*");
        }"""
    )
    page.wait_for_timeout(300)
    assert _events(page) == []
    assert _modal_count(page) == 1


def test_message_from_other_gateway_frame_is_ignored(page, origins):
    """Right origin, wrong window: another gateway-origin frame on the page."""
    _open(page)
    page.evaluate(
        """(src) => new Promise((resolve) => {
            const f = document.createElement("iframe");
            f.onload = resolve;
            f.src = src;
            document.body.appendChild(f);
        })""",
        origins["gateway"] + "/other-frame",
    )
    page.wait_for_timeout(300)
    assert _events(page) == []
    assert _modal_count(page) == 1


def test_message_from_wrong_origin_in_our_iframe_is_ignored(page, origins):
    """Right window, wrong origin: the iframe navigated away from the gateway."""
    _open(page)
    frame = page.frame(url=lambda u: u.startswith(origins["gateway"] + "/checkout"))
    frame.evaluate(f"location.href = {origins['merchant'] + '/evil'!r}")
    page.wait_for_function(
        "() => { try { return document.querySelector('iframe').contentDocument.title === 'evil-sent'"
        " } catch (e) { return false } }"
    )
    page.wait_for_timeout(200)
    assert _events(page) == []
    assert _modal_count(page) == 1
