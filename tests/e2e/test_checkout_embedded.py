"""Hosted checkout's embedded mode: its postMessage to a parent page on another site.

The parent page is served by an ``http.server`` thread on 127.0.0.1 and frames the live app at
``localhost`` (another site: a default Chromium context blocks the frame's storage); the
checkout posts only to a valid ``parent_origin``, never ``"*"``. Its first message is
``checkout_ready``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest

from paygate_app.components.checkout_logic import post_message_script, valid_origin
from tests.e2e.live_steps import create_order, get_payment, pay_upi
from tests.e2e.static_origin import HTML, serve

pytestmark = pytest.mark.e2e


# ---- pure helpers (no browser) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("http://127.0.0.1:5173", True),
        ("https://shop.example.com", True),
        ("http://[::1]:8080", True),
        ("*", False),
        ("null", False),
        ("https://shop.example.com/", False),
        ("https://shop.example.com/path", False),
        ("https://user@shop.example.com", False),
        ("javascript:alert(1)", False),
        ('https://a.com",alert(1),"', False),
        ("ftp://shop.example.com", False),
        ("http://host:99999", False),
        ("", False),
    ],
)
def test_parent_origin_validation(value, ok):
    assert (valid_origin(value) == value != "") is ok
    script = post_message_script(value, "close_modal", {})
    assert (script is not None) is ok


def test_post_message_script_is_json_encoded():
    script = post_message_script("https://shop.example.com", "payment_failed", {"description": '"); alert(1); ("'})
    assert script is not None
    assert '\\"); alert(1); (\\"' in script
    assert script.endswith(', "https://shop.example.com")')
    assert '"*"' not in script


# ---- embedded mode: a parent page on another origin -----------------------------------------------

PARENT_PAGE = """<!doctype html><html><body style="margin:0">
<iframe id="checkout" src="{src}" style="width:480px;height:600px;border:0"></iframe>
<script>
  window.messages = [];
  window.addEventListener("message", (ev) => window.messages.push({{origin: ev.origin, data: ev.data}}));
</script></body></html>"""


@pytest.fixture(scope="module")
def parent_server() -> Iterator[tuple[str, dict[str, tuple[str, bytes]]]]:
    pages: dict[str, tuple[str, bytes]] = {}
    server, origin = serve(pages)
    try:
        yield origin, pages
    finally:
        server.shutdown()


def gateway(live_app) -> str:
    return live_app.url.replace("127.0.0.1", "localhost")


def open_embedded(page, live_app, parent_server, order_id: str, parent_origin: str | None = None):
    origin, pages = parent_server
    params = {
        "order_id": order_id,
        "embedded": "true",
        "key": "key_test_abc123",
        "parent_origin": origin if parent_origin is None else parent_origin,
    }
    src = f"{gateway(live_app)}/checkout?{urlencode(params, quote_via=quote)}"
    path = f"/shop-{order_id}"
    pages[path] = (HTML, PARENT_PAGE.format(src=src.replace("&", "&amp;")).encode())
    page.goto(origin + path)
    frame = page.frame_locator("#checkout")
    frame.locator("[data-test-id=checkout-container]").wait_for()
    frame.locator("[data-test-id=pay-button]").wait_for()
    if valid_origin(params["parent_origin"]):
        page.wait_for_function("window.messages.length >= 1")
        [ready] = page.evaluate("window.messages")
        assert ready == {
            "origin": gateway(live_app),
            "data": {"type": "checkout_ready", "data": {"orderId": order_id}},
        }
    return frame


def messages(page) -> list[dict]:
    """What the parent heard after the checkout's `checkout_ready` (checked and dropped here)."""
    heard = page.evaluate("window.messages")
    if heard and heard[0]["data"]["type"] == "checkout_ready":
        return heard[1:]
    return heard


def test_embedded_posts_payment_success_to_parent(live_app, page, parent_server):
    order_id = create_order(live_app, 25000)
    frame = open_embedded(page, live_app, parent_server, order_id)
    assert frame.locator("[data-test-id=checkout-container]").get_attribute("data-embedded") == "true"
    assert frame.locator("text=Paygate processes this payment").count() == 0  # no page chrome

    pay_upi(frame)
    frame.locator("[data-test-id=success-state]").wait_for()
    payment_id = frame.locator("[data-test-id=payment-id]").inner_text().strip()
    page.wait_for_function("window.messages.length >= 2")
    got = messages(page)
    assert got == [
        {
            "origin": gateway(live_app),
            "data": {
                "type": "payment_success",
                "data": {"paymentId": payment_id, "orderId": order_id, "status": "success"},
            },
        }
    ]
    assert get_payment(live_app, payment_id)["status"] == "success"

    # "Done" asks the SDK to close the modal.
    frame.locator("[data-test-id=close-checkout-button]").click()
    page.wait_for_function("window.messages.length >= 3")
    assert messages(page)[1]["data"] == {"type": "close_modal", "data": {}}


def test_embedded_failure_posts_payment_failed_but_validation_does_not(live_app, page, parent_server):
    order_id = create_order(live_app)
    frame = open_embedded(page, live_app, parent_server, order_id)
    pay_upi(frame, "bad vpa")
    frame.locator("[data-test-id=validation-error]").wait_for()
    page.wait_for_timeout(300)
    assert messages(page) == []  # validation errors stay inside the checkout

    pay_upi(frame, "failure@upi")
    frame.locator("[data-test-id=error-state]").wait_for()
    page.wait_for_function("window.messages.length >= 2")
    msg = messages(page)[0]
    assert msg["origin"] == gateway(live_app)
    assert msg["data"]["type"] == "payment_failed"
    data = msg["data"]["data"]
    assert data["code"] == "PAYMENT_FAILED" and data["description"]
    assert get_payment(live_app, data["paymentId"])["status"] == "failed"


def test_embedded_cancel_posts_close_modal(live_app, page, parent_server):
    frame = open_embedded(page, live_app, parent_server, create_order(live_app))
    frame.locator("[data-test-id=cancel-button]").click()
    page.wait_for_function("window.messages.length >= 2")
    assert messages(page) == [{"origin": gateway(live_app), "data": {"type": "close_modal", "data": {}}}]


@pytest.mark.parametrize("bad_origin", ["*", "javascript:alert(1)"])
def test_embedded_never_posts_to_an_invalid_origin(live_app, page, parent_server, bad_origin):
    frame = open_embedded(page, live_app, parent_server, create_order(live_app), parent_origin=bad_origin)
    assert frame.locator("[data-test-id=cancel-button]").count() == 0
    pay_upi(frame)
    frame.locator("[data-test-id=success-state]").wait_for()
    page.wait_for_timeout(500)
    assert messages(page) == []
