"""Hosted checkout (/checkout?order_id=...) in a real Chromium against the live app.

Covers UPI and card payments, failure and retry, inline validation, unknown / foreign / paid
orders, the embedded mode's postMessage to a parent page on another origin, and 375 px.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest

from paygate_app.components.checkout_logic import (
    card_body,
    format_amount,
    parse_expiry,
    post_message_script,
    valid_origin,
)
from paygate_app.core.errors import InvalidCard

pytestmark = pytest.mark.e2e

AUTH = {"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FUTURE = f"12/{(date.today().year + 2) % 100:02d}"


# ---- helpers ------------------------------------------------------------------------------------


def create_order(app, amount: int = 50000, auth: dict | None = None) -> str:
    r = httpx.post(f"{app.url}/api/v1/orders", json={"amount": amount}, headers=auth or AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def get_payment(app, payment_id: str) -> dict:
    r = httpx.get(f"{app.url}/api/v1/payments/{payment_id}", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def get_order(app, order_id: str) -> dict:
    r = httpx.get(f"{app.url}/api/v1/orders/{order_id}", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def payments_for(app, order_id: str) -> list[dict]:
    r = httpx.get(f"{app.url}/api/v1/payments", params={"limit": 100}, headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return [p for p in r.json()["data"] if p["order_id"] == order_id]


def open_checkout(page, app, order_id: str, **extra: str) -> None:
    query = urlencode({"order_id": order_id, **extra})
    page.goto(f"{app.url}/checkout?{query}")
    page.locator("[data-test-id=checkout-container]").wait_for()
    page.locator("[data-test-id=checkout-loading]").wait_for(state="detached")


def pay_upi(scope, vpa: str = "shopper@okaxis") -> None:
    scope.locator("[data-test-id=method-upi]").click()
    scope.locator("[data-test-id=upi-form]").wait_for()
    scope.locator("[data-test-id=vpa-input]").fill(vpa)
    scope.locator("[data-test-id=pay-button]").click()


def fill_card(scope, number: str, expiry: str = FUTURE, cvv: str = "123", name: str = "Asha Verma") -> None:
    scope.locator("[data-test-id=method-card]").click()
    scope.locator("[data-test-id=card-form]").wait_for()
    scope.locator("[data-test-id=card-number-input]").fill(number)
    scope.locator("[data-test-id=expiry-input]").fill(expiry)
    scope.locator("[data-test-id=cvv-input]").fill(cvv)
    scope.locator("[data-test-id=cardholder-name-input]").fill(name)


# ---- pure helpers (no browser) ------------------------------------------------------------------


def test_amount_format():
    assert format_amount(50000) == "₹500.00"
    assert format_amount(100) == "₹1.00"
    assert format_amount(99999) == "₹999.99"
    assert format_amount(100000) == "₹1,000.00"
    assert format_amount(10000000) == "₹1,00,000.00"
    assert format_amount(12345678901) == "₹12,34,56,789.01"


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


# ---- embedded mode: a parent page on another origin -----------------------------------------------

PARENT_PAGE = """<!doctype html><html><body style="margin:0">
<iframe id="checkout" src="{src}" style="width:480px;height:600px;border:0"></iframe>
<script>
  window.messages = [];
  window.addEventListener("message", (ev) => window.messages.push({{origin: ev.origin, data: ev.data}}));
</script></body></html>"""


@pytest.fixture(scope="module")
def parent_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()


def open_embedded(page, live_app, parent_server, order_id: str, parent_origin: str | None = None):
    origin, pages = parent_server
    params = {
        "order_id": order_id,
        "embedded": "true",
        "key": "key_test_abc123",
        "parent_origin": origin if parent_origin is None else parent_origin,
    }
    src = f"{live_app.url}/checkout?{urlencode(params, quote_via=quote)}"
    path = f"/shop-{order_id}"
    pages[path] = PARENT_PAGE.format(src=src.replace("&", "&amp;")).encode()
    page.goto(origin + path)
    frame = page.frame_locator("#checkout")
    frame.locator("[data-test-id=checkout-container]").wait_for()
    frame.locator("[data-test-id=pay-button]").wait_for()
    return frame


def messages(page) -> list[dict]:
    return page.evaluate("window.messages")


def test_embedded_posts_payment_success_to_parent(live_app, page, parent_server):
    order_id = create_order(live_app, 25000)
    frame = open_embedded(page, live_app, parent_server, order_id)
    assert frame.locator("[data-test-id=checkout-container]").get_attribute("data-embedded") == "true"
    assert frame.locator("text=Paygate processes this payment").count() == 0  # no page chrome

    pay_upi(frame)
    frame.locator("[data-test-id=success-state]").wait_for()
    payment_id = frame.locator("[data-test-id=payment-id]").inner_text().strip()
    page.wait_for_function("window.messages.length >= 1")
    page.wait_for_timeout(300)
    got = messages(page)
    assert got == [
        {
            "origin": live_app.url,
            "data": {
                "type": "payment_success",
                "data": {"paymentId": payment_id, "orderId": order_id, "status": "success"},
            },
        }
    ]
    assert get_payment(live_app, payment_id)["status"] == "success"

    # "Done" asks the SDK to close the modal.
    frame.locator("[data-test-id=close-checkout-button]").click()
    page.wait_for_function("window.messages.length >= 2")
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
    page.wait_for_function("window.messages.length >= 1")
    msg = messages(page)[0]
    assert msg["origin"] == live_app.url
    assert msg["data"]["type"] == "payment_failed"
    data = msg["data"]["data"]
    assert data["code"] == "PAYMENT_FAILED" and data["description"]
    assert get_payment(live_app, data["paymentId"])["status"] == "failed"


def test_embedded_cancel_posts_close_modal(live_app, page, parent_server):
    frame = open_embedded(page, live_app, parent_server, create_order(live_app))
    frame.locator("[data-test-id=cancel-button]").click()
    page.wait_for_function("window.messages.length >= 1")
    assert messages(page) == [{"origin": live_app.url, "data": {"type": "close_modal", "data": {}}}]


@pytest.mark.parametrize("bad_origin", ["*", "javascript:alert(1)"])
def test_embedded_never_posts_to_an_invalid_origin(live_app, page, parent_server, bad_origin):
    frame = open_embedded(page, live_app, parent_server, create_order(live_app), parent_origin=bad_origin)
    assert frame.locator("[data-test-id=cancel-button]").count() == 0
    pay_upi(frame)
    frame.locator("[data-test-id=success-state]").wait_for()
    page.wait_for_timeout(500)
    assert messages(page) == []
