"""Money and time formatting used by the dashboard pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paygate_app.components.dates import format_time, format_time_short
from paygate_app.components.money import format_inr, group_indian, paise_to_rupees_text, parse_rupees
from paygate_app.state import mask_secret


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (0, "₹0.00"),
        (5, "₹0.05"),
        (100, "₹1.00"),
        (50000, "₹500.00"),
        (99999, "₹999.99"),
        (100000, "₹1,000.00"),
        (1234567, "₹12,345.67"),
        (10000000, "₹1,00,000.00"),
        (123456789, "₹12,34,567.89"),
        (10**11, "₹1,00,00,00,000.00"),
        (-50050, "-₹500.50"),
    ],
)
def test_format_inr_indian_grouping(paise: int, text: str) -> None:
    assert format_inr(paise) == text


def test_format_inr_none_is_a_dash() -> None:
    assert format_inr(None) == "—"


@pytest.mark.parametrize(("digits", "grouped"), [("1", "1"), ("999", "999"), ("1000", "1,000"), ("100000", "1,00,000")])
def test_group_indian(digits: str, grouped: str) -> None:
    assert group_indian(digits) == grouped


@pytest.mark.parametrize(
    ("text", "paise"),
    [("500", 50000), ("500.5", 50050), ("500.50", 50050), ("₹1,00,000.00", 10000000), (" 0.01 ", 1)],
)
def test_parse_rupees_accepts_rupee_amounts(text: str, paise: int) -> None:
    assert parse_rupees(text) == paise


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-5", "1e5", "12.3.4"])
def test_parse_rupees_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rupees(text)


def test_paise_to_rupees_text_round_trips() -> None:
    assert paise_to_rupees_text(50050) == "500.50"
    assert parse_rupees(paise_to_rupees_text(123456)) == 123456


def test_format_time_is_utc() -> None:
    assert format_time(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "02 Jan 2026, 03:04:05 UTC"
    assert format_time("2026-01-02T03:04:05Z") == "02 Jan 2026, 03:04:05 UTC"
    assert format_time(None) == "—"
    assert format_time_short("2026-01-02T03:04:05.123456+05:30") == "2026-01-01 21:34:05"
    assert format_time_short(None) == "—"


def test_mask_secret_shows_last_four() -> None:
    assert mask_secret("z789") == "••••••••z789"
