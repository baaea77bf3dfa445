"""Hosted checkout going back to the merchant, method choice by currency, and how the gateway
serves checkout.js and the favicon in production mode (Reflex single port, Granian)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.live_steps import AUTH, SCREENSHOTS, fill_card, get_payment, open_checkout, pay_upi
from tests.e2e.static_origin import HTML, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def store() -> Iterator[str]:
    server, origin = serve({"/done": (HTML, b"<!doctype html><h1 id='back'>Back at the store</h1>")})
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def _order(app, **body) -> dict:
    r = httpx.post(f"{app.url}/api/v1/orders", json={"amount": 50000, **body}, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def test_hosted_success_returns_to_merchant_with_payment_id_and_status(live_app, page, store):
    order = _order(live_app, callback_url=f"{store}/done?cart=7")
    open_checkout(page, live_app, order["id"])
    assert page.locator("[data-test-id=return-to-merchant]").count() == 0  # nothing to return with yet
    pay_upi(page)
    page.locator("[data-test-id=success-state]").wait_for()
    payment_id = page.locator("[data-test-id=payment-id]").inner_text().strip()
    page.screenshot(path=str(SCREENSHOTS / "checkout-return-to-merchant.png"))
    page.locator("[data-test-id=return-to-merchant]").click()
    page.locator("#back").wait_for()
    parts = urlsplit(page.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{store}/done"
    assert parse_qs(parts.query) == {"cart": ["7"], "payment_id": [payment_id], "status": ["success"]}
    assert get_payment(live_app, payment_id)["status"] == "success"


def test_hosted_failure_returns_with_status_failed(live_app, page, store):
    order = _order(live_app, callback_url=f"{store}/done")
    open_checkout(page, live_app, order["id"])
    pay_upi(page, "failure@upi")
    page.locator("[data-test-id=error-state]").wait_for()
    href = page.locator("[data-test-id=return-to-merchant]").get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["status"] == ["failed"] and query["payment_id"][0].startswith("pay_")
    assert page.locator("[data-test-id=retry-button]").is_visible()  # retrying stays possible


def test_embedded_checkout_never_offers_return(live_app, page, store):
    order = _order(live_app, callback_url=f"{store}/done")
    open_checkout(page, live_app, order["id"], embedded="true")
    pay_upi(page)
    page.locator("[data-test-id=success-state]").wait_for()
    assert page.locator("[data-test-id=return-to-merchant]").count() == 0


def test_non_inr_order_offers_card_only(live_app, page):
    order = _order(live_app, currency="USD")
    open_checkout(page, live_app, order["id"])
    assert page.locator("[data-test-id=method-upi]").count() == 0
    assert page.locator("[data-test-id=card-form]").is_visible()
    fill_card(page, "4111 1111 1111 1111")
    page.locator("[data-test-id=pay-button]").click()
    page.locator("[data-test-id=success-state]").wait_for()


def test_inr_order_offers_upi_and_card(live_app, page):
    open_checkout(page, live_app, _order(live_app)["id"])
    assert page.locator("[data-test-id=method-upi]").is_visible()
    assert page.locator("[data-test-id=method-card]").is_visible()


# ---- checkout.js and the favicon, as the production server sends them -----------------------------


def test_checkout_js_get_and_head_with_caching(live_app):
    with httpx.Client(base_url=live_app.url, timeout=10) as client:
        get = client.get("/checkout.js")
        head = client.head("/checkout.js")
        assert get.status_code == head.status_code == 200
        assert head.content == b"" and int(head.headers["content-length"]) == len(get.content)
        for r in (get, head):
            assert r.headers["content-type"].startswith("application/javascript")
            assert r.headers["access-control-allow-origin"] == "*"
            assert r.headers["cache-control"] == "public, max-age=300"
        assert head.headers["etag"] == get.headers["etag"]
        assert b"window.PaymentGateway" in get.content

        version = get.headers["x-paygate-sdk-version"]
        pinned = client.get(f"/checkout.js?v={version}")
        assert pinned.content == get.content
        assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.head(f"/checkout.js?v={version}").headers["cache-control"].endswith("immutable")
        stale = client.get("/checkout.js?v=000000000000")
        assert stale.status_code == 200 and stale.headers["cache-control"] == "public, max-age=300"
        again = client.get("/checkout.js", headers={"If-None-Match": get.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


def test_favicon_is_served(live_app):
    with httpx.Client(base_url=live_app.url, timeout=10) as client:
        for method in ("GET", "HEAD"):
            r = client.request(method, "/favicon.ico")
            assert r.status_code == 200, method
            assert r.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
        assert client.get("/favicon.ico").content[:4] == b"\x00\x00\x01\x00"  # an ICO file
