"""CSV export helpers: spreadsheet formulas stay text; rows have the table's columns."""

from __future__ import annotations

import pytest

from api.routes.exports import _safe_cell
from paygate_app.components.rows import PAYMENT_COLUMNS, payment_row


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+91", "-1", "@SUM(A1)", "\tx"])
def test_formula_like_cells_are_kept_as_text(value: str) -> None:
    assert _safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["pay_abc", "₹1,00,000.00", "—", "shopper@upi", ""])
def test_ordinary_cells_are_unchanged(value: str) -> None:
    assert _safe_cell(value) == value


def test_payment_row_fills_every_export_column() -> None:
    row = payment_row(
        {
            "id": "pay_1",
            "order_id": "order_1",
            "amount": 10000000,
            "amount_refunded": 2500,
            "method": "card",
            "card_network": "visa",
            "card_last4": "4242",
            "status": "success",
            "created_at": "2026-12-07 10:00:00",
        }
    )
    shown = [row[key] for _, key in PAYMENT_COLUMNS]
    assert shown == [
        "pay_1",
        "order_1",
        "₹1,00,000.00",
        "₹25.00",
        "card",
        "Visa •••• 4242",
        "success",
        "Partially refunded",
        "2026-12-07 10:00:00",
    ]
