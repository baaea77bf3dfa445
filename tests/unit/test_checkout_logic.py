"""Pure helpers of the hosted checkout: the embedded bridge script and the return URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from paygate_app.components.checkout_logic import bridge_script, merchant_return_url


def test_bridge_script_posts_only_to_the_parent_origin():
    script = bridge_script("http://127.0.0.1:5173", "checkout_ready", {"orderId": "order_x"})
    assert script is not None
    assert '"*"' not in script
    assert script.count(', "http://127.0.0.1:5173")') == 2  # the message and Escape's close_modal
    assert '"type": "checkout_ready"' in script and '"type": "close_modal"' in script


def test_bridge_script_refuses_an_invalid_origin():
    for origin in ("*", "", "null", "javascript:alert(1)", "https://a.com/path"):
        assert bridge_script(origin, "checkout_ready", {}) is None


def test_bridge_script_escapes_data():
    script = bridge_script("https://shop.example", "checkout_error", {"description": "</script><b>'\"\u2028"})
    assert script is not None
    assert "\\u2028" in script and "\u2028" not in script  # JSON-escaped, cannot end the JS line
    assert "'\\\"" in script  # the double quote is escaped inside the JSON string


def test_return_url_adds_payment_id_and_status():
    url = merchant_return_url("https://shop.example/paid?cart=7#top", "pay_ABC", "success")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("https", "shop.example", "/paid", "top")
    assert parse_qs(parts.query) == {"cart": ["7"], "payment_id": ["pay_ABC"], "status": ["success"]}


def test_return_url_replaces_forged_params_and_is_empty_without_callback():
    url = merchant_return_url("https://shop.example/r?status=success&payment_id=pay_FAKE", "pay_REAL", "failed")
    assert parse_qs(urlsplit(url).query) == {"payment_id": ["pay_REAL"], "status": ["failed"]}
    assert merchant_return_url("", "pay_x", "success") == ""
