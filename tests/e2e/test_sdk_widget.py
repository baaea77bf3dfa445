"""End-to-end tests for the embeddable SDK (sdk_js/checkout.js) in a real Chromium.

No app is needed: two ``http.server`` threads on 127.0.0.1 play the two origins.

* gateway  -- serves ``/checkout.js`` (the real file) and a fake ``/checkout`` page whose
  buttons post ``{type, data}`` to ``parent_origin`` like the real checkout does;
* merchant -- serves a shop page that loads the SDK from the gateway origin, plus an
  ``/evil`` page used to check that messages from a foreign origin are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip("playwright.sync_api")

SDK_PATH = Path(__file__).resolve().parents[2] / "sdk_js" / "checkout.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

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
</script></body></html>"""

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


def _serve(routes: dict[str, tuple[str, bytes]]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path not in routes:
                self.send_error(404)
                return
            ctype, body = routes[path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def origins() -> Iterator[dict[str, str]]:
    html = "text/html; charset=utf-8"
    gateway_routes: dict[str, tuple[str, bytes]] = {
        "/checkout.js": (
            "application/javascript; charset=utf-8",
            SDK_PATH.read_bytes(),
        ),
        "/checkout": (html, FAKE_CHECKOUT.encode()),
    }
    merchant_routes: dict[str, tuple[str, bytes]] = {}
    gateway_srv, gateway = _serve(gateway_routes)
    merchant_srv, merchant = _serve(merchant_routes)
    merchant_routes["/shop"] = (
        html,
        MERCHANT_PAGE.format(gateway=gateway, hostile_css="").encode(),
    )
    merchant_routes["/hostile"] = (
        html,
        MERCHANT_PAGE.format(gateway=gateway, hostile_css=HOSTILE_CSS).encode(),
    )
    merchant_routes["/evil"] = (html, EVIL_PAGE.encode())
    # A gateway-origin page that is *not* our iframe: posts from its own frame.
    gateway_routes["/other-frame"] = (html, EVIL_PAGE.encode())
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


def _events(page) -> list:
    return page.evaluate("window.events")


def _open(page, extra: str = "{}") -> object:
    page.evaluate(f"window.checkout = make({extra}); window.checkout.open()")
    page.wait_for_selector("[data-test-id=payment-iframe]", state="attached")
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("#title").wait_for()
    return frame


def _modal_count(page) -> int:
    return page.locator("[data-test-id=payment-modal]").count()


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


def test_close_button(page):
    _open(page)
    page.locator("[data-test-id=close-modal-button]").click()
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]
    assert page.evaluate("document.body.style.overflow") == ""


def test_close_modal_message(page):
    frame = _open(page)
    frame.locator("#close").click()
    page.wait_for_function("window.events.length >= 1")
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]


def test_escape_closes(page):
    _open(page)
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


def test_reopen_does_not_duplicate_listeners(page):
    _open(page)
    page.evaluate("checkout.close(); checkout.open()")
    frame = page.frame_locator("[data-test-id=payment-iframe]")
    frame.locator("#ok").click()
    page.wait_for_function("window.events.length >= 2")
    page.wait_for_timeout(200)
    assert [e[0] for e in _events(page)] == ["close", "success"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{orderId: 'order_1'}", "key"),
        ("{key: 'key_test_abc123'}", "orderId"),
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


def test_throwing_callback_does_not_break_widget(page):
    frame = _open(page, "{onSuccess: () => { throw new Error('merchant bug'); }}")
    frame.locator("#ok").click()
    page.wait_for_timeout(300)
    assert any("merchant bug" in t or "onSuccess" in t for t in page.console_errors)
    page.locator("[data-test-id=close-modal-button]").click()
    assert _modal_count(page) == 0
    assert _events(page) == [["close"]]


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
    assert len(text.encode()) < 10 * 1024
    assert "import " not in text and "require(" not in text
    assert "?." not in text and "??" not in text  # stay within ES2017
