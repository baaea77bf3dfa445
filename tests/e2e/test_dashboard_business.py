"""Running a business from the dashboard, in a real Chromium (issue 20).

Refund badges and net volume, Capture, live lists that keep filters and the open dialog, search
and date filters, views in the URL, CSV export, copy buttons, the 404 page, the favicon, dark
mode and the phone layout. Each test registers its own merchant, so counts are exact.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.live_steps import choose, go, login, new_merchant, pay, screenshot, tid, wait_settled

pytestmark = pytest.mark.e2e

ROWS = "document.querySelectorAll('[data-test-id=transaction-row]').length"


def refund(app, merchant, payment_id: str, amount: int) -> str:
    r = httpx.post(
        f"{app.url}/api/v1/payments/{payment_id}/refunds", json={"amount": amount}, headers=merchant.auth, timeout=10
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def row_of(page, payment_id: str):
    return page.locator(f"{tid('transaction-row')}[data-payment-id='{payment_id}']")


def test_refunds_show_as_badges_a_column_and_net_volume(live_app, page) -> None:
    merchant = new_merchant(live_app)
    full, part, kept = (pay(live_app, merchant, amount) for amount in (10000, 20000, 30000))
    wait_settled(live_app, merchant, full, part, kept)
    refund(live_app, merchant, full, 10000)
    refund(live_app, merchant, part, 5000)
    login(page, live_app, merchant)
    # Overview: gross ₹600, refunded ₹150, net ₹450.
    page.wait_for_function("() => document.querySelector('[data-test-id=net-volume]')?.innerText === '₹450.00'")
    assert page.locator(tid("gross-volume")).inner_text() == "₹600.00"
    assert page.locator(tid("refunded-volume")).inner_text() == "₹150.00"
    assert page.locator(tid("total-amount")).inner_text() == "₹600.00"

    go(page, live_app, "/dashboard/transactions", "transaction-row")
    assert row_of(page, full).locator(tid("refund-badge")).inner_text() == "Refunded"
    assert row_of(page, full).locator(tid("status")).inner_text() == "success"  # the API's status stays
    assert row_of(page, part).locator(tid("refund-badge")).inner_text() == "Partially refunded"
    assert row_of(page, part).locator(tid("refunded-amount")).inner_text() == "₹50.00"
    assert row_of(page, kept).locator(tid("refund-badge")).count() == 0

    choose(page, "refund-filter", "Partially refunded")
    page.wait_for_function(f"() => {ROWS} === 1")
    assert row_of(page, part).count() == 1
    assert "refund=partial" in page.url


def test_capture_asks_first_then_marks_the_payment_captured(live_app, page) -> None:
    merchant = new_merchant(live_app)
    payment_id = pay(live_app, merchant, 25000)
    wait_settled(live_app, merchant, payment_id)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    page.locator(tid("transaction-row")).first.click()
    assert page.locator(tid("detail-captured")).inner_text() == "No"
    page.locator(tid("capture-button")).click()
    page.locator(tid("capture-confirm-button")).click()
    page.locator(tid("capture-success")).wait_for()
    assert page.locator(tid("detail-captured")).inner_text() == "Yes"
    assert page.locator(tid("capture-button")).count() == 0
    r = httpx.get(f"{live_app.url}/api/v1/payments/{payment_id}", headers=merchant.auth, timeout=10)
    assert r.json()["captured"] is True
    # A refund of a captured payment is still allowed (CONTRACT): the form is there.
    page.locator(tid("refund-form")).wait_for()


def test_lists_update_live_keeping_filters_and_the_open_dialog(live_app, page) -> None:
    merchant = new_merchant(live_app)
    first = pay(live_app, merchant, 11100)
    wait_settled(live_app, merchant, first)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    choose(page, "status-filter", "Success")
    page.wait_for_url(re.compile(r"status=success"))
    row_of(page, first).click()
    page.locator(tid("payment-detail")).wait_for()
    page.locator(tid("refund-reason-input")).fill("typing, not sent")

    second = pay(live_app, merchant, 22200)  # arrives while the dialog is open
    failed = pay(live_app, merchant, 33300, vpa="failure@upi")
    wait_settled(live_app, merchant, second, failed)
    refund(live_app, merchant, first, 11100)  # refunded elsewhere (the API)
    # No Refresh click: the dialog follows the payment, the form keeps what was typed ...
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=detail-refunded]').innerText === '₹111.00'", timeout=10_000
    )
    assert page.locator(tid("detail-refund-badge")).inner_text() == "Refunded"
    # ... and the list behind it gets the new success row, not the failed one.
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => {ROWS} === 2", timeout=10_000)
    assert row_of(page, failed).count() == 0
    assert page.locator(tid("status-filter")).inner_text().strip() == "Success"

    # Refunds and webhooks pages refresh by themselves too.
    go(page, live_app, "/dashboard/refunds", "refund-row")
    assert page.locator(tid("refund-row")).count() == 1
    refund(live_app, merchant, second, 1000)
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=refund-row]').length === 2")


def test_search_by_prefix_vpa_card_and_dates_and_refund_links(live_app, page) -> None:
    merchant = new_merchant(live_app)
    by_vpa = pay(live_app, merchant, 10100, vpa="asha.verma@okaxis")
    other = pay(live_app, merchant, 10200)
    order = httpx.post(
        f"{live_app.url}/api/v1/orders", json={"amount": 10300}, headers=merchant.auth, timeout=10
    ).json()["id"]
    by_card = httpx.post(
        f"{live_app.url}/api/v1/payments",
        headers=merchant.auth,
        timeout=10,
        json={
            "order_id": order,
            "method": "card",
            "card": {
                "number": "4111111111111111",
                "expiry_month": "12",
                "expiry_year": "2040",
                "cvv": "123",
                "holder_name": "Asha Verma",
            },
        },
    )
    assert by_card.status_code == 201, by_card.text
    card_payment = by_card.json()["id"]
    wait_settled(live_app, merchant, by_vpa, other, card_payment)
    refund_id = refund(live_app, merchant, other, 2000)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    search = page.locator(tid("search-input"))

    for query, expected in [
        ("asha.verma@okaxis", by_vpa),
        ("1111", card_payment),
        (other[:12], other),
    ]:
        search.fill(query)
        page.locator(tid("search-button")).click()
        page.wait_for_function(
            "(id) => { const r = document.querySelectorAll('[data-test-id=transaction-row]');"
            " return r.length === 1 && r[0].dataset.paymentId === id; }",
            arg=expected,
        )
    page.locator(tid("clear-filters-button")).click()
    page.wait_for_function(f"() => {ROWS} === 3")

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    page.locator(tid("date-from-input")).fill(tomorrow)
    page.wait_for_function(f"() => {ROWS} === 0")
    page.get_by_text("No payments match").wait_for()
    page.locator(tid("clear-filters-button")).click()
    page.wait_for_function(f"() => {ROWS} === 3")

    go(page, live_app, "/dashboard/refunds", "refund-row")
    page.locator(tid("refund-search-input")).fill(refund_id[:10])
    page.locator(tid("refund-search-button")).click()
    page.wait_for_url(re.compile(r"q=rfnd_"))
    page.locator(tid("refund-payment-link")).first.click()
    page.wait_for_url(re.compile(rf"/dashboard/transactions\?payment={other}"))
    assert page.locator(tid("detail-payment-id")).inner_text() == other


def test_view_in_the_url_survives_a_reload(live_app, page) -> None:
    merchant = new_merchant(live_app)
    ids = [pay(live_app, merchant, 10000 + i) for i in range(12)]
    wait_settled(live_app, merchant, *ids)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    page.locator(tid("pagination-next")).click()
    page.wait_for_url(re.compile(r"page=2"))
    page.wait_for_function(f"() => {ROWS} === 2")
    page.locator(tid("transaction-row")).first.click()
    opened = page.locator(tid("detail-payment-id")).inner_text()
    page.wait_for_url(re.compile(rf"payment={opened}"))

    page.reload()
    page.locator(tid("payment-detail")).wait_for()
    assert page.locator(tid("detail-payment-id")).inner_text() == opened
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => {ROWS} === 2")
    assert "Showing 11–12 of 12" in page.locator(tid("pagination-summary")).inner_text()
    assert "payment=" not in page.url

    # A shared link to a payment this merchant cannot see says so, and opens nothing.
    go(page, live_app, "/dashboard/transactions?payment=pay_NotMine00000000", "transactions-table")
    page.locator(tid("payment-detail-error")).wait_for()
    assert "not found" in page.locator(tid("payment-detail-error")).inner_text().lower()
    assert page.locator(tid("payment-detail")).count() == 0


def test_csv_export_has_the_tables_columns_and_needs_the_session(live_app, page) -> None:
    merchant = new_merchant(live_app)
    ok = pay(live_app, merchant, 123456)
    bad = pay(live_app, merchant, 500, vpa="failure@upi")
    wait_settled(live_app, merchant, ok, bad)
    refund(live_app, merchant, ok, 23456)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    choose(page, "status-filter", "Success")
    page.wait_for_function(f"() => {ROWS} === 1")
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url) if "/exports/" in req.url else None)
    with page.expect_download() as info:
        page.locator(tid("export-csv-button")).click()
    download = info.value
    assert download.suggested_filename == "payments.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[0] == [
        "Payment",
        "Order",
        "Amount",
        "Refunded",
        "Method",
        "Details",
        "Status",
        "Refund",
        "Created (UTC)",
    ]
    assert len(rows) == 2 and rows[1][0] == ok
    assert rows[1][2:4] == ["₹1,234.56", "₹234.56"] and rows[1][6:8] == ["success", "Partially refunded"]
    # The session travelled in a header, never in the URL.
    assert requests and all("status=success" in url and "session" not in url.lower() for url in requests)

    anonymous = httpx.get(f"{live_app.url}/api/v1/dashboard/exports/payments.csv", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    api_key_only = httpx.get(f"{live_app.url}/api/v1/dashboard/exports/refunds.csv", headers=merchant.auth, timeout=10)
    assert api_key_only.status_code == 401
    bad_filter = httpx.get(
        f"{live_app.url}/api/v1/dashboard/exports/payments.csv?status=nope", headers={"X-Dashboard-Session": "x"}
    )
    assert bad_filter.status_code in (400, 401) and "error" in bad_filter.json()


def test_copy_buttons_404_favicon_and_dark_mode(live_app, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_app)
        page.locator(tid("copy-api-key")).click()
        assert page.evaluate("() => navigator.clipboard.readText()") == "key_test_abc123"

        html = page.locator("html")
        before = html.get_attribute("class") or ""
        page.locator(f"{tid('color-mode-toggle')} >> visible=true").click()
        page.wait_for_function("(b) => document.documentElement.className !== b", arg=before)
        dark = "dark" in (html.get_attribute("class") or "")
        assert dark != ("dark" in before)
        page.reload()
        page.locator(tid("dashboard")).wait_for()
        assert ("dark" in (html.get_attribute("class") or "")) == dark  # remembered

        favicon = httpx.get(f"{live_app.url}/favicon.ico", timeout=10)
        assert favicon.status_code == 200 and favicon.content[:4] == b"\x00\x00\x01\x00"

        page.goto(f"{live_app.url}/dashboard/no-such-page")
        page.locator(tid("not-found")).wait_for()
        assert page.title().startswith("Page not found")
        page.locator(tid("not-found-link")).first.click()
        page.wait_for_url(re.compile(r"/dashboard/?$"))
    finally:
        context.close()


def test_phone_shows_amount_and_status_without_scrolling(live_app, browser) -> None:
    merchant = new_merchant(live_app)
    paid = pay(live_app, merchant, 4599900)
    wait_settled(live_app, merchant, paid)
    refund(live_app, merchant, paid, 99900)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_app, merchant)
        screenshot(page, "mobile-dashboard")
        go(page, live_app, "/dashboard/transactions", "transaction-row")
        row = page.locator(tid("transaction-row")).first
        for cell in ("amount", "status", "payment-id"):
            box = row.locator(tid(cell)).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        screenshot(page, "mobile-transactions")
        go(page, live_app, "/dashboard/webhooks", "webhook-config")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
