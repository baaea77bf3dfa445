"""The SDK widget in a real Chromium: the modal it builds, opening and closing, its options.

Covers the modal's structure and iframe src, every way to close it, listeners cleaned up,
constructor checks, a hostile host stylesheet, a 375 px screen and the file's size and syntax.
The fake origins are in sdk_harness.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.sdk_harness import SDK_PATH
from tests.e2e.sdk_harness import events as _events
from tests.e2e.sdk_harness import modal_count as _modal_count
from tests.e2e.sdk_harness import open_widget as _open

# Fixtures: the two local origins, and `page` opened on the shop (it overrides conftest's).
from tests.e2e.sdk_harness import origins as origins
from tests.e2e.sdk_harness import page as page

pytestmark = pytest.mark.e2e


def test_global_only(page):
    assert page.evaluate("typeof window.PaymentGateway") == "function"
    # Nothing is added to the page until open().
    assert _modal_count(page) == 0
    assert page.evaluate("document.getElementById('payment-gateway-styles')") is None


def test_modal_structure_and_iframe_src(page, origins):
    _open(page)
    assert _modal_count(page) == 1
    modal = page.locator("div#payment-gateway-modal[data-test-id=payment-modal]")
    content = modal.locator(":scope > div.modal-overlay > div.modal-content")
    assert content.count() == 1
    iframe = content.locator(":scope > iframe[data-test-id=payment-iframe]")
    button = content.locator(":scope > button[data-test-id=close-modal-button]")
    assert iframe.count() == 1 and button.count() == 1
    assert button.get_attribute("aria-label") == "Close"

    src = iframe.get_attribute("src")
    parts = urlsplit(src)
    # baseUrl defaults to the origin the script was loaded from.
    assert f"{parts.scheme}://{parts.netloc}" == origins["gateway"]
    assert parts.path == "/checkout"
    q = parse_qs(parts.query)
    assert q == {
        "order_id": ["order_Test 1&x=y"],
        "embedded": ["true"],
        "key": ["key_test_abc123"],
        "parent_origin": [origins["merchant"]],
    }
    assert "order_Test%201%26x%3Dy" in src  # encoded, not injected

    # Visible and covering the viewport.
    assert iframe.is_visible() and button.is_visible()
    box = iframe.bounding_box()
    assert box["height"] >= 590
    overlay = page.locator(".modal-overlay").bounding_box()
    assert overlay["width"] == 1280 and overlay["height"] == 900


def test_close_button(page):
    _open(page)
    page.locator("[data-test-id=close-modal-button]").click()
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]
    assert page.evaluate("document.body.style.overflow") == ""


def test_escape_closes(page):
    _open(page)
    page.locator("[data-test-id=close-modal-button]").focus()  # focus on the merchant page
    page.keyboard.press("Escape")
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]


def test_close_method_fires_once(page):
    _open(page)
    page.evaluate("checkout.close(); checkout.close()")
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]
    page.keyboard.press("Escape")  # listener gone
    assert _events(page) == [["close"]]


def test_open_twice_one_modal(page):
    _open(page)
    page.evaluate("document.querySelector('iframe').dataset.marker = 'first'")
    page.evaluate("checkout.open(); checkout.open()")
    assert _modal_count(page) == 1
    assert page.locator("[data-test-id=payment-iframe]").count() == 1
    # The same modal stays (the checkout is not reloaded) and nothing was closed.
    assert page.evaluate("document.querySelector('iframe').dataset.marker") == "first"
    assert _events(page) == []
    # A second instance replaces the first rather than stacking.
    page.evaluate("window.second = make(); second.open()")
    assert _modal_count(page) == 1
    assert _events(page) == [["close"]]  # first instance was closed
    assert page.evaluate("document.querySelectorAll('#payment-gateway-styles').length") == 1


def test_listeners_removed_on_close(page):
    page.evaluate(
        """() => {
            window.live = new Set();
            for (const target of [window, document]) {
                const add = target.addEventListener, remove = target.removeEventListener;
                target.addEventListener = function (type, fn, opts) {
                    if (type === "message" || type === "keydown") live.add(fn);
                    return add.call(this, type, fn, opts);
                };
                target.removeEventListener = function (type, fn, opts) {
                    live.delete(fn);
                    return remove.call(this, type, fn, opts);
                };
            }
        }"""
    )
    _open(page)
    assert page.evaluate("live.size") == 2  # message + keydown
    page.evaluate("checkout.close()")
    assert page.evaluate("live.size") == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{orderId: 'order_1'}", "key"),
        ("{key: '', orderId: 'order_1'}", "key"),
        ("undefined", "key"),
        ("{key: 'k', orderId: 'o', onSuccess: 'nope'}", "onSuccess"),
    ],
)
def test_missing_options_throw(page, options, message):
    result = page.evaluate(
        f"""() => {{
            try {{ new PaymentGateway({options}); return null; }}
            catch (e) {{ return [e instanceof Error, e.message]; }}
        }}"""
    )
    assert result is not None, "constructor did not throw"
    assert result[0] is True
    assert message in result[1]


def test_explicit_base_url(page, origins):
    page.evaluate(f"window.checkout = make({{baseUrl: {origins['gateway'] + '/'!r}}}); checkout.open()")
    src = page.locator("[data-test-id=payment-iframe]").get_attribute("src")
    assert src.startswith(origins["gateway"] + "/checkout?order_id=")


def test_hostile_page_css_cannot_break_modal(browser, origins):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = context.new_page()
        pg.goto(origins["merchant"] + "/hostile")
        pg.evaluate("make().open()")
        iframe = pg.locator("[data-test-id=payment-iframe]")
        iframe.wait_for(state="visible")
        assert pg.locator("[data-test-id=close-modal-button]").is_visible()
        overlay = pg.locator(".modal-overlay").bounding_box()
        assert (overlay["x"], overlay["y"]) == (0, 0)
        assert overlay["width"] == 1280 and overlay["height"] == 900
        assert iframe.bounding_box()["height"] >= 590
        # ...and the modal's CSS did not leak onto the page.
        assert pg.evaluate("getComputedStyle(document.querySelector('h1')).paddingTop") == "9px"
    finally:
        context.close()


def test_mobile_viewport_full_width(browser, origins):
    context = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        pg = context.new_page()
        pg.goto(origins["merchant"] + "/shop")
        pg.evaluate("make().open()")
        content = pg.locator(".modal-content")
        content.wait_for(state="visible")
        box = content.bounding_box()
        assert box["x"] == 0 and box["width"] == 375
        iframe_box = pg.locator("[data-test-id=payment-iframe]").bounding_box()
        assert iframe_box["width"] == 375 and iframe_box["height"] >= 600
        assert pg.locator("[data-test-id=close-modal-button]").is_visible()
    finally:
        context.close()


def test_sdk_file_is_small_and_plain():
    text = SDK_PATH.read_text(encoding="utf-8")
    assert len(text.encode()) < 16 * 1024
    assert "import " not in text and "require(" not in text
    assert "?." not in text and "??" not in text  # stay within ES2017
