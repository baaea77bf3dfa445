"""Money on pages: paise in, rupees out (`₹1,00,000.00`, Indian digit grouping)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_RUPEES = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


def group_indian(digits: str) -> str:
    """'10000000' → '1,00,00,000': the last three digits, then groups of two."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join(groups) + "," + tail


def format_inr(paise: int | None) -> str:
    """50000 → '₹500.00'; 10000000 → '₹1,00,000.00'; negative amounts get a leading '-'."""
    if paise is None:
        return "—"
    value = int(paise)
    sign = "-" if value < 0 else ""
    rupees, rest = divmod(abs(value), 100)
    return f"{sign}₹{group_indian(str(rupees))}.{rest:02d}"


def paise_to_rupees_text(paise: int) -> str:
    """50050 → '500.50': the plain number a rupee input field starts with."""
    rupees, rest = divmod(int(paise), 100)
    return f"{rupees}.{rest:02d}"


def parse_rupees(text: str) -> int:
    """'500', '500.5', '₹1,00,000.00' → paise. Raises ValueError with a readable message."""
    cleaned = (text or "").strip().replace("₹", "").replace(",", "").replace(" ", "")
    if not cleaned:
        raise ValueError("Enter an amount in rupees")
    if not _RUPEES.match(cleaned):
        raise ValueError("Enter the amount in rupees, e.g. 250 or 250.50 (at most two decimals)")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter the amount in rupees, e.g. 250 or 250.50") from None
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
