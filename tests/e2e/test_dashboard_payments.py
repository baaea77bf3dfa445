"""Merchant dashboard in a real Chromium: live stats, the transactions table and refunds.

Each test registers its own merchant through the REST API, so counts are exact. Screenshots go to
docs/screenshots/ (transactions, refunds).
"""

from __future__ import annotations

import pytest

from tests.e2e.live_steps import choose, go, login, new_merchant, pay, screenshot, statuses, tid, wait_settled

pytestmark = pytest.mark.e2e


# ---- dashboard ----------------------------------------------------------------------------------


def test_dashboard_stats_update_live_after_a_payment(live_app, page) -> None:
    merchant = new_merchant(live_app)
    login(page, live_app, merchant)
    total = page.locator(tid("total-transactions"))
    assert total.inner_text() == "0"
    assert page.locator(tid("total-amount")).inner_text() == "₹0.00"
    assert page.locator(tid("success-rate")).inner_text() == "—"  # no attempts yet: a dash, not 0.0%
    page.locator(tid("volume-chart-empty")).wait_for()  # an empty-state message, not a 0 to 4 rupee axis

    payment_id = pay(live_app, merchant, 12345678)  # ₹1,23,456.78
    wait_settled(live_app, merchant, payment_id)
    # No reload: the page refreshes its numbers by itself.
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=total-amount]').innerText === '₹1,23,456.78'", timeout=10_000
    )
    assert total.inner_text() == "1"
    assert page.locator(tid("success-rate")).inner_text() == "100.0%"


# ---- transactions and refunds -------------------------------------------------------------------


def test_transactions_filter_by_status_and_search(live_app, page) -> None:
    merchant = new_merchant(live_app)
    ok = [pay(live_app, merchant, 10000 + i) for i in range(2)]
    bad = pay(live_app, merchant, 20000, vpa="failure@upi")
    wait_settled(live_app, merchant, *ok, bad)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    rows = page.locator(tid("transaction-row"))
    assert rows.count() == 3
    first = rows.first
    for cell in ("payment-id", "order-id", "amount", "method", "status", "created-at"):
        assert first.locator(tid(cell)).inner_text().strip()
    assert first.locator(tid("amount")).inner_text() == "₹200.00"
    screenshot(page, "transactions")

    choose(page, "status-filter", "Failed")
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 1")
    assert statuses(page) == ["failed"]
    assert page.locator(f"{tid('transaction-row')} {tid('payment-id')}").inner_text() == bad

    choose(page, "status-filter", "Success")
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 2")
    assert statuses(page) == ["success", "success"]

    choose(page, "status-filter", "All statuses")
    page.locator(tid("search-input")).fill(ok[0])
    page.locator(tid("search-button")).click()
    page.wait_for_function("() => document.querySelectorAll('[data-test-id=transaction-row]').length === 1")
    assert page.locator(f"{tid('transaction-row')} {tid('payment-id')}").inner_text() == ok[0]


def test_partial_refund_from_the_ui_appears_in_refunds_table(live_app, page) -> None:
    merchant = new_merchant(live_app)
    payment_id = pay(live_app, merchant, 50000)
    wait_settled(live_app, merchant, payment_id)
    login(page, live_app, merchant)
    go(page, live_app, "/dashboard/transactions", "transaction-row")
    page.locator(tid("transaction-row")).first.click()
    detail = page.locator(tid("payment-detail"))
    detail.wait_for()
    assert detail.locator(tid("detail-payment-id")).inner_text() == payment_id
    amount = page.locator(tid("refund-amount-input"))
    assert amount.input_value() == "500.00"  # defaults to the full remaining amount, in rupees

    amount.fill("600")  # more than the payment: said in rupees, the unit typed
    page.locator(tid("refund-submit-button")).click()
    page.locator(tid("refund-error")).wait_for()
    assert page.locator(tid("refund-error")).inner_text().strip() == "₹600.00 is more than the ₹500.00 left to refund"
    amount.fill("0")
    page.locator(tid("refund-submit-button")).click()
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=refund-error]').innerText.includes('greater than ₹0.00')"
    )

    amount.fill("125.50")
    page.locator(tid("refund-reason-input")).fill("Damaged item")
    page.locator(tid("refund-submit-button")).click()
    # Nothing happens on one click: a confirmation names the amount and the payment.
    confirm = page.locator(tid("refund-confirm"))
    confirm.wait_for()
    assert page.locator(tid("refund-confirm-amount")).inner_text() == "₹125.50"
    assert payment_id in confirm.inner_text()
    assert page.locator(tid("payment-refund-row")).count() == 0
    page.locator(tid("refund-confirm-button")).click()
    page.locator(tid("refund-success")).wait_for()
    assert page.locator(tid("payment-refund-row")).count() == 1
    assert page.locator(tid("detail-refunded")).inner_text() == "₹125.50"
    assert amount.input_value() == "374.50"
    # The banner follows the refund: once processed it no longer says "pending".
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=refund-success]').innerText.includes('processed')",
        timeout=15_000,
    )
    assert "pending" not in page.locator(tid("refund-success")).inner_text()
    page.keyboard.press("Escape")

    go(page, live_app, "/dashboard/refunds", "refund-row")
    row = page.locator(tid("refund-row"))
    assert row.count() == 1
    assert row.locator(tid("refund-payment-id")).inner_text() == payment_id
    assert row.locator(tid("refund-amount")).inner_text() == "₹125.50"
    # pending → processed shows up without a reload
    page.wait_for_function(
        "() => document.querySelector('[data-test-id=refund-status]').innerText.trim() === 'processed'",
        timeout=15_000,
    )
    screenshot(page, "refunds")
