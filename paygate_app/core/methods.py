"""Payment method checks: VPA format, card number (Luhn), network, expiry, CVV."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from paygate_app.core.errors import BadRequest, ExpiredCard, InvalidCard, InvalidVpa
from paygate_app.core.processor import TestInput, card_test_input

# Whole-string matches (`fullmatch`) over ASCII classes: `$` would let a trailing newline through
# and `\d` would take any Unicode digit (full-width or Arabic-Indic digits).
_VPA = re.compile(r"[a-zA-Z0-9._-]+@[a-zA-Z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_SHORT_NUMBER = re.compile(r"[0-9]{1,4}")
ALWAYS_FAIL_CARD = "4000000000000002"  # the seeds' always-fail inputs (processor.TEST_CARDS / TEST_VPAS)
ALWAYS_FAIL_VPA = "failure@upi"


@dataclass(frozen=True)
class CardSummary:
    network: str
    last4: str
    always_fails: bool
    test: TestInput | None = None  # a documented test input (core/processor.py)


def validate_vpa(vpa: Any) -> str:
    if not isinstance(vpa, str) or len(vpa) > 255 or not _VPA.fullmatch(vpa):
        raise InvalidVpa("Invalid VPA format")
    return vpa


def mask_vpa(vpa: str) -> str:
    """What an anonymous reader may see of a VPA: `sh****@upi` (the handle, two characters of the name)."""
    name, _, handle = vpa.partition("@")
    return f"{name[: 2 if len(name) > 2 else 1]}****@{handle}"


def luhn_ok(number: str) -> bool:
    """Luhn check of an ASCII digit string (validate_card checks that first)."""
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
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and _SHORT_NUMBER.fullmatch(value):
        return int(value)
    raise InvalidCard(f"Invalid {what}")


def _expiry_year(value: Any) -> int:
    year = _as_int(value, "expiry year")
    text = value if isinstance(value, str) else str(value)
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
    if not _DIGITS.fullmatch(number) or not 13 <= len(number) <= 19 or not luhn_ok(number):
        raise InvalidCard("Invalid card number")
    cvv = card.get("cvv")
    if isinstance(cvv, int) and not isinstance(cvv, bool):
        cvv = str(cvv)
    if not isinstance(cvv, str) or not _DIGITS.fullmatch(cvv) or not 3 <= len(cvv) <= 4:
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
