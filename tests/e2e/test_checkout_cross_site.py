"""The real SDK and checkout on a merchant site of another site, as shoppers meet them.

The shop is served from ``127.0.0.1`` and loads ``checkout.js`` from the live app at
``localhost`` - two sites, so the checkout runs in a third-party iframe. Three browsers:

* ``default``  -- a fresh Playwright Chromium context at 1366x768: third-party storage is
  *blocked* (reading ``localStorage`` in the iframe throws), as in Incognito or strict modes;
* ``storage``  -- a Chromium launched with its stock feature set, where third-party storage is
  allowed (partitioned per top-level site), at 1366x768;
* ``mobile``   -- the default context at 390x844 with touch.

Screenshots of each state go to docs/screenshots/sdk-<profile>-<state>.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.live_steps import (
    AUTH,
    FUTURE,
    SCREENSHOTS,
    TEST_MERCHANT,
    create_order,
    get_order,
    get_payment,
    wait_settled,
)
from tests.e2e.static_origin import HTML, serve

pytestmark = pytest.mark.e2e

PROFILES = ("default", "storage", "mobile")
VIEWPORTS = {"default": (1366, 768), "storage": (1366, 768), "mobile": (390, 844)}

SHOP = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Corner Shop</title></head>
<body style="font-family: system-ui, sans-serif; margin: 0; padding: 24px">
<h1>Corner Shop</h1><p>Handmade mugs, shipped across India.</p>
<button id="buy" style="font-size: 18px; padding: 10px 20px">Buy for ₹499.00</button>
<div style="height: 3000px"></div><p id="footer">footer</p>
<script src="{gateway}/checkout.js"></script>
<script>
  window.events = [];
  window.messages = [];
  window.addEventListener("message", (e) => window.messages.push({{origin: e.origin, data: e.data}}));
  window.openCheckout = (orderId, extra) => {{
    window.checkout = new PaymentGateway(Object.assign({{
      key: "key_test_abc123", orderId: orderId,
      onSuccess: (r) => events.push(["success", r]),
      onFailure: (e) => events.push(["failure", e]),
      onClose: () => events.push(["close"]),
    }}, extra || {{}}));
    window.checkout.open();
  }};
</script></body></html>"""

# A page on the shop's origin that frames the checkout for *another* origin: it must hear nothing.
FOREIGN_FRAME = """<!doctype html><html><body>
<iframe id="checkout" src="{src}" style="width:480px;height:700px;border:0"></iframe>
<script>
  window.messages = [];
  window.addEventListener("message", (e) => window.messages.push({{origin: e.origin, data: e.data}}));
</script></body></html>"""


@pytest.fixture(scope="module")
def gateway(live_app) -> str:
    return live_app.url.replace("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def shop(gateway) -> Iterator[tuple[str, dict]]:
    routes: dict[str, tuple[str, bytes]] = {"/shop": (HTML, SHOP.format(gateway=gateway).encode())}
    server, origin = serve(routes)
    try:
        yield origin, routes
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def storage_browser(browser) -> Iterator[object]:
    """Chromium with its own feature defaults: Playwright's `--disable-features` list turns off
    ThirdPartyStoragePartitioning (so cross-site frames get no storage at all); ours replaces it."""
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-features=HttpsUpgrades,MediaRouter"]
    )
    yield chromium
    chromium.close()


@pytest.fixture(params=PROFILES)
def shopper(request, browser, shop) -> Iterator[object]:
    profile = request.param
    width, height = VIEWPORTS[profile]
    chosen = request.getfixturevalue("storage_browser") if profile == "storage" else browser
    options = {"viewport": {"width": width, "height": height}}
    if profile == "mobile":
        options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    context = chosen.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.profile = profile
    page.goto(shop[0] + "/shop")
    try:
        yield page
    finally:
        context.close()


def events(page) -> list:
    return page.evaluate("window.events")


def shot(page, state: str, *, more_to_do: bool = False) -> None:
    """Screenshot of this state. In Chromium's mobile emulation a screenshot taken mid-flow can
    swallow the next tap inside the iframe (a test-tool artefact, never seen without it), so
    mobile screens of unfinished flows come from test_sdk_mobile_form_screens instead."""
    if more_to_do and page.profile == "mobile":
        return
    page.screenshot(path=str(SCREENSHOTS / f"sdk-{page.profile}-{state}.png"))


def open_checkout(page, order_id: str, extra: str = "undefined"):
    page.evaluate(f"([id]) => window.openCheckout(id, {extra})", [order_id])
    page.wait_for_function("!document.querySelector('#payment-gateway-modal .pg-loading')")
    assert page.locator("[data-test-id=open-checkout-window]").count() == 0, "the checkout did not start"
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("[data-test-id=checkout-container][data-embedded=true]").wait_for()
    return frame


def storage_state(page) -> str:
    """'blocked' if the checkout's frame runs on the in-memory fallback, else 'native'."""
    frame = next(f for f in page.frames if "/checkout" in f.url)
    native = frame.evaluate("Object.getOwnPropertyDescriptor(window, 'localStorage').get !== undefined")
    return "native" if native else "blocked"


def assert_fully_visible(page, locator) -> None:
    """Inside the viewport without scrolling anything: the page, the overlay or the iframe."""
    width, height = VIEWPORTS[page.profile]
    box = locator.bounding_box()
    assert box is not None
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, (box, height)
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, (box, width)
    frame_scroll = locator.evaluate("el => el.ownerDocument.scrollingElement.scrollTop")
    assert frame_scroll == 0


def test_sdk_upi_success_on_another_site(live_app, shopper, gateway):
    page = shopper
    order_id = create_order(live_app, 49900)
    frame = open_checkout(page, order_id)
    assert storage_state(page) == ("native" if page.profile == "storage" else "blocked")
    assert frame.locator("[data-test-id=order-amount]").inner_text() == "₹499.00"
    # Focus went into the checkout; the page behind does not scroll.
    assert page.evaluate("document.activeElement.getAttribute('data-test-id')") == "payment-iframe"
    assert_fully_visible(page, frame.locator("[data-test-id=pay-button]"))
    page.mouse.wheel(0, 800)
    page.keyboard.press("End")
    assert page.evaluate("window.scrollY") == 0
    shot(page, "upi-form", more_to_do=True)

    frame.locator("[data-test-id=vpa-input]").fill("shopper@okaxis")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=success-state]").wait_for()
    page.wait_for_function("window.events.length > 0")
    [(kind, result)] = events(page)
    assert kind == "success" and result["orderId"] == order_id and result["status"] == "success"
    assert get_payment(live_app, result["paymentId"])["status"] == "success"
    assert frame.locator("[data-test-id=payment-id]").inner_text().strip() == result["paymentId"]
    assert page.locator("[data-test-id=payment-modal]").is_visible()  # stays open on the result
    shot(page, "upi-success")
    # Every message the shop heard came from the gateway's origin.
    heard = page.evaluate("window.messages")
    assert {m["origin"] for m in heard} == {gateway}
    assert [m["data"]["type"] for m in heard] == ["checkout_ready", "payment_success"]

    page.locator("[data-test-id=close-modal-button]").click()
    assert page.locator("[data-test-id=payment-modal]").count() == 0
    assert events(page)[-1] == ["close"]


def test_sdk_card_success_with_pay_button_in_view(live_app, shopper):
    page = shopper
    order_id = create_order(live_app, 125000)
    frame = open_checkout(page, order_id)
    frame.locator("[data-test-id=method-card]").click()
    frame.locator("[data-test-id=card-form]").wait_for()
    assert_fully_visible(page, frame.locator("[data-test-id=pay-button]"))
    shot(page, "card-form", more_to_do=True)
    frame.locator("[data-test-id=card-number-input]").fill("4111 1111 1111 1111")
    frame.locator("[data-test-id=expiry-input]").fill(FUTURE)
    frame.locator("[data-test-id=cvv-input]").fill("123")
    frame.locator("[data-test-id=cardholder-name-input]").fill("Asha Rao")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=success-state]").wait_for()
    page.wait_for_function("window.events.length > 0")
    [(kind, result)] = events(page)
    assert kind == "success" and result["orderId"] == order_id
    payment = get_payment(live_app, result["paymentId"])
    assert payment["method"] == "card" and payment["card_last4"] == "1111"
    shot(page, "card-success")


def test_sdk_failure_calls_on_failure_once(live_app, shopper):
    page = shopper
    frame = open_checkout(page, create_order(live_app))
    frame.locator("[data-test-id=vpa-input]").fill("failure@upi")
    frame.locator("[data-test-id=pay-button]").click()
    frame.locator("[data-test-id=error-state]").wait_for()
    page.wait_for_function("window.events.length > 0")
    assert_fully_visible(page, frame.locator("[data-test-id=retry-button]"))
    shot(page, "failure")
    [(kind, error)] = events(page)
    assert kind == "failure" and error["code"] == "PAYMENT_FAILED" and error["paymentId"].startswith("pay_")
    assert error["description"]
    assert get_payment(live_app, error["paymentId"])["status"] == "failed"


def test_sdk_escape_inside_the_iframe_closes(live_app, shopper):
    page = shopper
    frame = open_checkout(page, create_order(live_app))
    frame.locator("[data-test-id=vpa-input]").focus()
    # Key down only: the checkout closes on keydown, and a key-up sent to the removed frame is
    # never acknowledged by Chromium (keyboard.press would hang).
    page.keyboard.down("Escape")
    page.wait_for_function("!document.getElementById('payment-gateway-modal')")
    assert events(page) == [["close"]]
    assert page.evaluate("document.body.style.overflow") == ""  # the page scrolls again


def test_sdk_focus_stays_in_the_modal(live_app, shopper):
    page = shopper
    open_checkout(page, create_order(live_app))
    inside = "document.getElementById('payment-gateway-modal').contains(document.activeElement)"
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        # The guards move focus back from a focus event (the checkout is another site's process):
        # poll for it with a deadline rather than reading it once.
        try:
            page.wait_for_function(inside, timeout=5_000)
        except Exception as exc:  # name the key that let focus out
            raise AssertionError(f"focus left the modal after {key}") from exc
    page.locator("[data-test-id=close-modal-button]").click()
    assert events(page) == [["close"]]


def test_sdk_mobile_form_screens(live_app, browser, shop):
    """The 390x844 form screens: UPI, then (a fresh modal) card, each the last step of its modal."""
    width, height = VIEWPORTS["mobile"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.profile = "mobile"
        page.goto(shop[0] + "/shop")
        frame = open_checkout(page, create_order(live_app, 49900))
        assert_fully_visible(page, frame.locator("[data-test-id=pay-button]"))
        shot(page, "upi-form")
        page.evaluate("window.checkout.close()")
        frame = open_checkout(page, create_order(live_app, 125000))
        frame.locator("[data-test-id=method-card]").click()
        frame.locator("[data-test-id=card-form]").wait_for()
        assert_fully_visible(page, frame.locator("[data-test-id=pay-button]"))
        shot(page, "card-form")
    finally:
        context.close()


def test_checkout_posts_only_to_its_parent_origin(live_app, browser, shop, gateway):
    """A page framing the checkout with someone else's parent_origin hears nothing, even on success."""
    origin, routes = shop
    order_id = create_order(live_app)
    src = f"{gateway}/checkout?order_id={order_id}&embedded=true&key=key_test_abc123&parent_origin=http://shop.example"
    routes["/foreign"] = (HTML, FOREIGN_FRAME.format(src=src.replace("&", "&amp;")).encode())
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(origin + "/foreign")
        frame = page.frame_locator("#checkout")
        frame.locator("[data-test-id=vpa-input]").fill("shopper@okaxis")
        frame.locator("[data-test-id=pay-button]").click()
        frame.locator("[data-test-id=success-state]").wait_for(timeout=20_000)
        assert page.evaluate("window.messages") == []
    finally:
        context.close()


# ---- bad input: a clear message in the modal and one onFailure with a code ------------------------


def _paid_order(live_app) -> str:
    order_id = create_order(live_app)
    r = httpx.post(
        f"{live_app.url}/api/v1/payments",
        json={"order_id": order_id, "method": "upi", "vpa": "paid@okaxis"},
        headers=AUTH,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    wait_settled(live_app, TEST_MERCHANT, r.json()["id"])
    assert get_order(live_app, order_id)["status"] == "paid"
    return order_id


@pytest.mark.parametrize(
    ("case", "code", "text"),
    [
        ("unknown-order", "NOT_FOUND_ERROR", "couldn't find order"),
        ("paid-order", "BAD_REQUEST_ERROR", "already been paid"),
        ("wrong-key", "AUTHENTICATION_ERROR", "API key in this link is not valid"),
        ("missing-order-id", "BAD_REQUEST_ERROR", "without an order"),
    ],
)
def test_sdk_bad_input_shows_message_and_one_on_failure(live_app, browser, shop, case, code, text):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(shop[0] + "/shop")
        if case == "unknown-order":
            order_id = "order_DoesNotExist0000"
        elif case == "missing-order-id":
            order_id = ""
        else:
            order_id = _paid_order(live_app) if case == "paid-order" else create_order(live_app)
        extra = "{key: 'key_test_not_a_key'}" if case == "wrong-key" else "undefined"
        page.evaluate(f"([id]) => window.openCheckout(id, {extra})", [order_id])
        page.wait_for_function("window.events.length > 0")
        if case == "missing-order-id":
            shown = page.locator("[data-test-id=checkout-problem-message]").inner_text()
        elif case == "paid-order":
            frame = page.frame_locator("[data-test-id=payment-iframe]")
            shown = frame.locator("[data-test-id=order-already-paid]").inner_text()
        else:
            frame = page.frame_locator("[data-test-id=payment-iframe]")
            shown = frame.locator("[data-test-id=checkout-unavailable-message]").inner_text()
        assert text in shown
        assert "Error" not in shown and "at " not in shown  # no stack trace
        page.screenshot(path=str(SCREENSHOTS / f"sdk-default-{case}.png"))
        page.locator("[data-test-id=close-modal-button]").click()
        [(kind, error), closed] = events(page)
        assert closed == ["close"]
        assert kind == "failure" and error["code"] == code and error["paymentId"] is None
        assert error["description"]
    finally:
        context.close()
