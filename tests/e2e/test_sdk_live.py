"""The real widget on a third-party page (another site) against the real app and checkout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from paygate_app.core.merchants import TEST_MERCHANT

pytestmark = pytest.mark.e2e
AUTH = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}

PAGE = """<!doctype html><html><body><h1>Third-party shop</h1>
<script src="{gateway}/checkout.js"></script>
<script>
  window.events = [];
  window.openCheckout = function (orderId) {{
    new PaymentGateway({{key: "key_test_abc123", orderId: orderId,
      onSuccess: function (r) {{ window.events.push(["success", r]); }},
      onFailure: function (e) {{ window.events.push(["failure", e]); }},
      onClose: function () {{ window.events.push(["close"]); }}}}).open();
  }};
</script></body></html>"""


@pytest.fixture
def merchant_site(live_app) -> Iterator[str]:
    # The gateway on localhost, the shop on 127.0.0.1: two sites, as on the web.
    body = PAGE.format(gateway=live_app.url.replace("127.0.0.1", "localhost")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/shop"
    server.shutdown()


def _order(live_app) -> str:
    r = httpx.post(f"{live_app.url}/api/v1/orders", json={"amount": 49900}, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _events(page) -> list:
    return page.evaluate("window.events")


def test_widget_upi_success_calls_on_success_with_payment_id(live_app, page, merchant_site):
    order_id = _order(live_app)
    page.goto(merchant_site)
    page.evaluate("id => window.openCheckout(id)", order_id)
    assert page.locator("#payment-gateway-modal[data-test-id=payment-modal]").is_visible()
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("[data-test-id=vpa-input]").fill("shopper@okaxis")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=success-state]").wait_for(timeout=20_000)
    page.wait_for_function("window.events.length > 0", timeout=10_000)
    [(kind, result)] = _events(page)
    assert kind == "success" and result["orderId"] == order_id and result["status"] == "success"
    payment = httpx.get(f"{live_app.url}/api/v1/payments/{result['paymentId']}", headers=AUTH).json()
    assert payment["status"] == "success" and payment["order_id"] == order_id
    assert page.locator("[data-test-id=payment-modal]").is_visible()  # stays open on the result
    page.locator("[data-test-id=close-modal-button]").click()
    assert page.locator("[data-test-id=payment-modal]").count() == 0
    assert _events(page)[-1] == ["close"]


def test_widget_card_failure_calls_on_failure(live_app, page, merchant_site):
    order_id = _order(live_app)
    page.goto(merchant_site)
    page.evaluate("id => window.openCheckout(id)", order_id)
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("[data-test-id=method-card]").click()
    frame.locator("[data-test-id=card-number-input]").fill("4000 0000 0000 0002")
    frame.locator("[data-test-id=expiry-input]").fill("12/35")
    frame.locator("[data-test-id=cvv-input]").fill("123")
    frame.locator("[data-test-id=cardholder-name-input]").fill("A Shopper")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=error-state]").wait_for(timeout=20_000)
    page.wait_for_function("window.events.length > 0", timeout=10_000)
    [(kind, error)] = _events(page)
    assert kind == "failure" and error["code"] == "PAYMENT_FAILED" and error["paymentId"].startswith("pay_")


def test_forged_message_from_merchant_page_is_ignored(live_app, page, merchant_site):
    page.goto(merchant_site)
    page.evaluate("id => window.openCheckout(id)", _order(live_app))
    page.evaluate("window.postMessage({type: 'payment_success', data: {paymentId: 'pay_forged', orderId: 'x'}}, '*')")
    page.wait_for_timeout(500)
    assert _events(page) == []
