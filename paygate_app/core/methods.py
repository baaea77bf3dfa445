"""Payment method checks: VPA format, card number (Luhn), network, expiry, CVV."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from paygate_app.core.errors import BadRequest, ExpiredCard, InvalidCard, InvalidVpa
from paygate_app.core.processor import TestInput, card_test_input

_VPA = re.compile(r"^[a-zA-Z0-9._-]+@[a-zA-Z0-9]+$")
_DIGITS = re.compile(r"^\d+$")
ALWAYS_FAIL_CARD = "4000000000000002"  # the seeds' always-fail inputs (processor.TEST_CARDS / TEST_VPAS)
ALWAYS_FAIL_VPA = "failure@upi"


@dataclass(frozen=True)
class CardSummary:
    network: str
    last4: str
    always_fails: bool
    test: TestInput | None = None  # a documented test input (core/processor.py)


def validate_vpa(vpa: Any) -> str:
    if not isinstance(vpa, str) or len(vpa) > 255 or not _VPA.match(vpa):
        raise InvalidVpa("Invalid VPA format")
    return vpa


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_network(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    two = int(number[:2])
    if 51 <= two <= 55:
        return "mastercard"
    if two in (34, 37):
        return "amex"
    if two in (60, 65) or 81 <= two <= 89:
        return "rupay"
    return "unknown"


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidCard(f"Invalid {what}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.match(value.strip()) and len(value.strip()) <= 4:
        return int(value.strip())
    raise InvalidCard(f"Invalid {what}")


def _expiry_year(value: Any) -> int:
    year = _as_int(value, "expiry year")
    text = value.strip() if isinstance(value, str) else str(value)
    if len(text) <= 2:
        return 2000 + year
    if len(text) == 4:
        return year
    raise InvalidCard("Invalid expiry year")


def validate_card(card: Any, *, today: date | None = None) -> CardSummary:
    if not isinstance(card, dict):
        raise BadRequest("card must be an object with number, expiry_month, expiry_year, cvv, holder_name")
    raw = card.get("number")
    if not isinstance(raw, str):
        raise InvalidCard("Invalid card number")
    number = raw.replace(" ", "").replace("-", "")
    if not _DIGITS.match(number) or not 13 <= len(number) <= 19 or not luhn_ok(number):
        raise InvalidCard("Invalid card number")
    cvv = card.get("cvv")
    if isinstance(cvv, int) and not isinstance(cvv, bool):
        cvv = str(cvv)
    if not isinstance(cvv, str) or not _DIGITS.match(cvv) or not 3 <= len(cvv) <= 4:
        raise InvalidCard("Invalid CVV")
    month = _as_int(card.get("expiry_month"), "expiry month")
    if not 1 <= month <= 12:
        raise InvalidCard("Invalid expiry month")
    year = _expiry_year(card.get("expiry_year"))
    today = today or date.today()
    if (year, month) < (today.year, today.month):
        raise ExpiredCard("Card has expired")
    holder = card.get("holder_name")
    if holder is not None and (not isinstance(holder, str) or len(holder) > 100):
        raise BadRequest("holder_name must be a string of at most 100 characters")
    test = card_test_input(number)
    return CardSummary(
        network=card_network(number), last4=number[-4:], always_fails=test is not None and test.fails, test=test
    )
