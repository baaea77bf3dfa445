"""Harness for the embeddable SDK's browser tests (sdk_js/checkout.js): no app is needed.

Two ``http.server`` threads play the two sites, as on the web: the merchant on ``127.0.0.1``,
the gateway on ``localhost`` (another site, so the iframe is a third-party frame).

* gateway  -- serves ``/checkout.js`` (the real file) and a fake ``/checkout`` page that says
  ``checkout_ready`` on load and whose buttons post ``{type, data}`` to ``parent_origin`` like
  the real checkout does; ``/broken/checkout`` never says it is ready (a checkout that cannot
  start, as with blocked storage before the fix);
* merchant -- serves a shop page that loads the SDK from the gateway origin, plus an
  ``/evil`` page used to check that messages from a foreign origin are ignored.

A test module takes the fixtures by importing them (``from tests.e2e.sdk_harness import page as page``,
the explicit re-export form, so linters see them used): its ``page`` then opens the shop instead of
conftest's blank page, and ``origins`` is one pair of servers per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.static_origin import HTML, serve

# Each test module that imports this harness is skipped where Playwright is not installed.
pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
SDK_PATH = ROOT / "sdk_js" / "checkout.js"
SERVED_SDK_PATH = ROOT / "assets" / "checkout.js"

# Fake hosted checkout: posts to window.parent with targetOrigin = parent_origin, never "*".
# The failure button uses snake_case keys to check the SDK's normalisation.
FAKE_CHECKOUT = """<!doctype html><html><body>
<h1 id="title">Fake checkout</h1>
<pre id="query"></pre>
<button id="ok">success</button>
<button id="ko">failure</button>
<button id="ok-snake">success (snake_case)</button>
<button id="close">close</button>
<script>
  const q = new URLSearchParams(location.search);
  const target = q.get("parent_origin");
  document.getElementById("query").textContent = location.search;
  const send = (type, data) => window.parent.postMessage({type, data}, target);
  document.getElementById("ok").onclick = () => send("payment_success",
      {paymentId: "pay_AAAAAAAAAAAAAAAA", orderId: q.get("order_id"), status: "success"});
  document.getElementById("ok-snake").onclick = () => send("payment_success",
      {payment_id: "pay_CCCCCCCCCCCCCCCC", order_id: q.get("order_id"), status: "success"});
  document.getElementById("ko").onclick = () => send("payment_failed",
      {payment_id: "pay_BBBBBBBBBBBBBBBB", error_code: "PAYMENT_FAILED",
       error_description: "Payment declined"});
  document.getElementById("close").onclick = () => send("close_modal", {});
  document.addEventListener("keydown", (e) => e.key === "Escape" && send("close_modal", {}));
  send("checkout_ready", {orderId: q.get("order_id")});
</script></body></html>"""

BROKEN_CHECKOUT = """<!doctype html><html><body>
<h1 id="title">Application Error</h1><pre>SecurityError: Failed to read the 'localStorage' property</pre>
</body></html>"""

MERCHANT_PAGE = """<!doctype html><html><head>
<style>{hostile_css}</style>
<script src="{gateway}/checkout.js"></script>
</head><body>
<h1>Shop</h1><button id="buy">Buy</button>
<script>
  window.events = [];
  window.make = (extra) => new PaymentGateway(Object.assign({{
    key: "key_test_abc123",
    orderId: "order_Test 1&x=y",
    onSuccess: (r) => events.push(["success", r]),
    onFailure: (e) => events.push(["failure", e]),
    onClose: () => events.push(["close"]),
  }}, extra || {{}}));
</script></body></html>"""

# A deliberately rude host stylesheet: the modal must survive it.
HOSTILE_CSS = """
* { box-sizing: content-box; margin: 7px; padding: 9px; }
div { display: inline !important; opacity: .2; position: static; }
iframe { display: none !important; width: 10px; height: 10px; }
button { visibility: hidden; font-size: 40px; }
"""

EVIL_PAGE = """<!doctype html><html><body><script>
  // Same window as the checkout iframe (source matches) but the wrong origin.
  window.parent.postMessage({type: "payment_success",
    data: {paymentId: "pay_EVILEVILEVILEVIL", orderId: "order_x", status: "success"}}, "*");
  window.parent.postMessage({type: "close_modal", data: {}}, "*");
  document.title = "evil-sent";
</script></body></html>"""


@pytest.fixture(scope="module")
def origins() -> Iterator[dict[str, str]]:
    gateway_routes: dict[str, tuple[str, bytes]] = {
        "/checkout.js": (
            "application/javascript; charset=utf-8",
            SDK_PATH.read_bytes(),
        ),
        "/checkout": (HTML, FAKE_CHECKOUT.encode()),
        "/broken/checkout": (HTML, BROKEN_CHECKOUT.encode()),
    }
    merchant_routes: dict[str, tuple[str, bytes]] = {}
    gateway_srv, gateway = serve(gateway_routes)
    merchant_srv, merchant = serve(merchant_routes)
    gateway = gateway.replace("127.0.0.1", "localhost")  # another site than the merchant
    merchant_routes["/shop"] = (
        HTML,
        MERCHANT_PAGE.format(gateway=gateway, hostile_css="").encode(),
    )
    merchant_routes["/hostile"] = (
        HTML,
        MERCHANT_PAGE.format(gateway=gateway, hostile_css=HOSTILE_CSS).encode(),
    )
    merchant_routes["/evil"] = (HTML, EVIL_PAGE.encode())
    # A gateway-origin page that is *not* our iframe: posts from its own frame.
    gateway_routes["/other-frame"] = (HTML, EVIL_PAGE.encode())
    try:
        yield {"gateway": gateway, "merchant": merchant}
    finally:
        for srv in (gateway_srv, merchant_srv):
            srv.shutdown()
            srv.server_close()


@pytest.fixture
def page(browser, origins):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.goto(origins["merchant"] + "/shop")
    try:
        yield pg
    finally:
        context.close()


def events(page) -> list:
    return page.evaluate("window.events")


def open_widget(page, extra: str = "{}") -> object:
    page.evaluate(f"window.checkout = make({extra}); window.checkout.open()")
    page.wait_for_selector("[data-test-id=payment-iframe]", state="attached")
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("#title").wait_for()
    return frame


def modal_count(page) -> int:
    return page.locator("[data-test-id=payment-modal]").count()
