"""Merchant dashboard in a real Chromium: webhook settings and log, the API docs, 375 px screens.

Screenshots go to docs/screenshots/ (webhooks, docs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.live_steps import choose, go, login, new_merchant, screenshot, tid
from tests.webhooks.webhook_support import Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook endpoint on 127.0.0.1: answers 500 to the first two deliveries, then 200."""
    r = Receiver()
    r.script.extend([500, 500])
    yield r
    r.stop()


# ---- webhooks -----------------------------------------------------------------------------------


def test_webhook_config_test_event_log_and_retry(live_app, page, receiver) -> None:
    merchant = new_merchant(live_app)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/webhooks", "webhook-config")
    assert page.locator(tid("webhook-secret")).inner_text().startswith("whsec_")
    page.locator(tid("webhook-logs-table")).wait_for()

    url_input = page.locator(tid("webhook-url-input"))
    url_input.fill("ftp://example.com/hook")
    # Our own check, inline under the field, as soon as it is typed (not the browser's bubble).
    url_error = page.locator(tid("webhook-url-error"))
    url_error.wait_for()
    assert "https://" in url_error.inner_text()
    page.locator(tid("save-webhook-button")).click()
    assert page.locator(tid("webhook-notice")).count() == 0

    url_input.fill(receiver.url)
    url_error.wait_for(state="detached")
    page.locator(f"{tid('webhook-config-form')} {tid('save-webhook-button')}").click()
    page.locator(tid("webhook-notice")).wait_for()
    # "Saved" does not stay beside a new, invalid value.
    url_input.fill("not a url")
    page.locator(tid("webhook-notice")).wait_for(state="detached")
    url_error.wait_for()
    url_input.fill(receiver.url)
    page.locator(f"{tid('webhook-config-form')} {tid('save-webhook-button')}").click()
    page.locator(tid("webhook-notice")).wait_for()
    r = httpx.get(f"{live_app.url}/api/v1/webhooks/config", headers=merchant.auth, timeout=10)
    assert r.json()["webhook_url"] == receiver.url

    before = page.locator(tid("webhook-secret")).inner_text()
    page.locator(tid("regenerate-secret-button")).click()
    page.wait_for_function(
        "(old) => document.querySelector('[data-test-id=webhook-secret]').innerText !== old", arg=before
    )
    new_secret = page.locator(tid("webhook-secret")).inner_text()
    r = httpx.get(f"{live_app.url}/api/v1/webhooks/config", headers=merchant.auth, timeout=10)
    assert r.json()["webhook_secret"] == new_secret

    page.locator(tid("test-webhook-button")).click()
    item = page.locator(tid("webhook-log-item")).first
    item.wait_for()
    log_id = item.get_attribute("data-webhook-id")
    assert log_id and re.fullmatch(r"[0-9a-f-]{36}", log_id)
    assert item.locator(tid("webhook-event")).inner_text() == "webhook.test"
    # First delivery gets a 500 from the receiver: the row shows it without a reload.
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=webhook-response-code]').innerText.trim() === '500'",
        timeout=15_000,
    )
    assert item.locator(tid("webhook-attempts")).inner_text() == "1"
    assert item.locator(tid("webhook-status")).inner_text() == "pending"
    assert item.locator(tid("webhook-last-attempt")).inner_text() != "—"
    # Not a bare "pending": where it is in the retry schedule, and when the next attempt is.
    retrying = item.locator(tid("webhook-retrying")).inner_text()
    assert re.match(r"Retrying \(attempt 1 of 5 failed, next at .*\d\d:\d\d", retrying), retrying

    item.locator(tid("retry-webhook-button")).click()  # the receiver answers 500 once more
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=webhook-attempts]').innerText.trim() === '2'", timeout=15_000
    )
    item.locator(tid("retry-webhook-button")).click()
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=webhook-status]').innerText.trim() === 'success'",
        timeout=15_000,
    )
    assert item.locator(tid("webhook-response-code")).inner_text() == "200"
    assert item.locator(tid("webhook-retrying")).count() == 0
    assert len(receiver.bodies) == 3 and receiver.bodies[0] == receiver.bodies[2]
    # The list counts every attempt, as the detail lists them.
    assert item.locator(tid("webhook-attempts")).inner_text() == "3"

    item.click()
    page.locator(tid("webhook-detail")).wait_for()
    assert page.locator(tid("webhook-attempt-row")).count() == 3
    assert '"webhook.test"' in page.locator(tid("webhook-payload")).inner_text()
    page.keyboard.press("Escape")
    page.locator(tid("webhook-detail")).wait_for(state="detached")
    screenshot(page, "webhooks")

    choose(page, "event-filter", "payment.success")
    page.wait_for_url(re.compile(r"event=payment.success"))
    page.locator(tid("webhook-log-item")).first.wait_for(state="detached")
    choose(page, "event-filter", "webhook.test")
    page.locator(tid("webhook-log-item")).first.wait_for()


# ---- docs and small screens ---------------------------------------------------------------------


def test_docs_sections_and_snippets(live_app, page) -> None:
    login(page, live_app)
    go(page, live_app, "/dashboard/docs", "api-docs")
    for section, snippet in [
        ("section-create-order", "code-snippet-create-order"),
        ("section-sdk-integration", "code-snippet-sdk"),
        ("section-webhook-verification", "code-snippet-webhook"),
    ]:
        page.locator(f"{tid(section)} {tid(snippet)}").wait_for()
    create_order = page.locator(tid("code-snippet-create-order")).inner_text()
    assert f"{live_app.url}/api/v1/orders" in create_order
    assert "X-Api-Key: key_test_abc123" in create_order and "X-Api-Secret" in create_order
    sdk = page.locator(tid("code-snippet-sdk")).inner_text()
    assert f'<script src="{live_app.url}/checkout.js"></script>' in sdk
    assert "new PaymentGateway(" in sdk and "checkout.open()" in sdk
    python = page.locator(tid("code-snippet-webhook")).inner_text()
    assert "from standardwebhooks.webhooks import Webhook" in python and "paygate_app" not in python
    node = page.locator(tid("code-snippet-webhook-node")).inner_text()
    assert 'require("standardwebhooks")' in node and "X-Webhook-Signature" in node
    assert "hmac.new(" in page.locator(tid("code-snippet-webhook-hex")).inner_text()
    page.locator(f"{tid('section-testing')} {tid('test-inputs-table')}").wait_for()
    inputs = page.locator(tid("test-input-row")).all_inner_texts()
    assert any("4000000000009995" in row and "INSUFFICIENT_FUNDS" in row for row in inputs), inputs
    assert any("pending@upi" in row for row in inputs), inputs
    capture = page.locator(tid("section-capture")).inner_text()
    assert "/capture" in capture and "partial capture" in capture and "Refunded" in capture
    screenshot(page, "docs")


def test_pages_fit_a_375px_screen(live_app, page) -> None:
    login(page, live_app)
    page.set_viewport_size({"width": 375, "height": 800})
    for route, ready in [
        ("/dashboard", "stats-container"),
        ("/dashboard/transactions", "transactions-table"),
        ("/dashboard/refunds", "refunds-table"),
        ("/dashboard/webhooks", "webhook-config"),
        ("/dashboard/docs", "api-docs"),
    ]:
        go(page, live_app, route, ready)
        assert page.locator(tid("nav-menu-button")).is_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{route} is {width}px wide"
