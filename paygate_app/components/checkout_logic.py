"""Pure helpers of the hosted checkout: money, origins, the card body, postMessage scripts.

No Reflex here, so every rule can be checked without a browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from paygate_app.core.errors import ExpiredCard, InvalidCard, InvalidVpa, PaygateError

# scheme://host[:port] and nothing else: no path, query, fragment or userinfo.
_ORIGIN = re.compile(
    r"^(?P<scheme>https?)://"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*[/\-. ]\s*(\d{2}|\d{4})\s*$")
_EXPIRY_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})\s*$")

CURRENCY_SYMBOLS = {"INR": "₹"}


def format_amount(amount: int, currency: str = "INR") -> str:
    """Minor units to display text: 50000 → ₹500.00, 10000000 → ₹1,00,000.00 (Indian grouping)."""
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(int(amount)), 100)
    digits = str(major)
    if len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        groups: list[str] = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        digits = ",".join([*groups, tail])
    symbol = CURRENCY_SYMBOLS.get(currency)
    prefix = symbol if symbol else f"{currency} "
    return f"{sign}{prefix}{digits}.{minor:02d}"


def valid_origin(value: Any) -> str:
    """The origin if it is a syntactically valid http(s) origin, else "" (never "*")."""
    if not isinstance(value, str) or len(value) > 300:
        return ""
    match = _ORIGIN.match(value)
    if match is None:
        return ""
    port = match.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        return ""
    return value


def parse_expiry(text: Any) -> tuple[str, str]:
    """MM/YY (also MM/YYYY, MM-YY, MMYY) → (month, year) strings for the core to check."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidCard("Enter the card's expiry date as MM/YY")
    match = _EXPIRY.match(text) or _EXPIRY_COMPACT.match(text)
    if match is None:
        raise InvalidCard("Enter the card's expiry date as MM/YY")
    return match.group(1), match.group(2)


def _field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def upi_body(order_id: str, form: Mapping[str, Any]) -> dict[str, Any]:
    vpa = _field(form, "vpa")
    if not vpa:
        raise InvalidVpa("Enter your UPI ID, for example name@bank")
    return {"order_id": order_id, "method": "upi", "vpa": vpa}


def card_body(order_id: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The card body for core.create_payment. The caller must not keep it anywhere."""
    number = _field(form, "card_number")
    if not number:
        raise InvalidCard("Enter your card number")
    month, year = parse_expiry(_field(form, "expiry"))
    cvv = _field(form, "cvv")
    if not cvv:
        raise InvalidCard("Enter the CVV from the back of your card")
    holder = _field(form, "cardholder_name")
    return {
        "order_id": order_id,
        "method": "card",
        "card": {
            "number": number,
            "expiry_month": month,
            "expiry_year": year,
            "cvv": cvv,
            "holder_name": holder or None,
        },
    }


def error_field(exc: PaygateError) -> str:
    """Which input a validation error belongs to (to highlight it)."""
    text = exc.description.lower()
    if isinstance(exc, InvalidVpa):
        return "vpa"
    if isinstance(exc, ExpiredCard) or "expiry" in text:
        return "expiry"
    if isinstance(exc, InvalidCard):
        return "cvv" if "cvv" in text else "card_number"
    if "holder_name" in text:
        return "cardholder_name"
    return ""


def friendly_description(exc: PaygateError) -> str:
    """The message shown under the field: the core's words, made shopper-friendly where terse."""
    mapping = {
        "Invalid VPA format": "Invalid UPI ID. Use the format name@bank (for example, user@paytm).",
        "Invalid card number": "Invalid card number. Check the digits and try again.",
        "Invalid CVV": "Invalid CVV. It is the 3 or 4 digits on your card.",
        "Invalid expiry month": "Invalid expiry date. Use MM/YY with a month from 01 to 12.",
        "Invalid expiry year": "Invalid expiry date. Use MM/YY.",
        "Card has expired": "This card has expired. Check the expiry date or use another card.",
        "holder_name must be a string of at most 100 characters": "The name on the card is too long.",
    }
    return mapping.get(exc.description, exc.description)


def post_message_script(parent_origin: str, message_type: str, data: Mapping[str, Any]) -> str | None:
    """JS posting {type, data} to the parent window at exactly parent_origin; None if it is not valid.

    Both values are JSON-encoded (json.dumps escapes quotes and backslashes, and with ensure_ascii
    every non-ASCII character such as U+2028 as \\uXXXX), so nothing from the URL or the database
    can break out of the literal; the script is eval'd, never placed in HTML.
    """
    origin = valid_origin(parent_origin)
    if not origin:
        return None
    message = json.dumps({"type": message_type, "data": dict(data)}, ensure_ascii=True)
    target = json.dumps(origin, ensure_ascii=True)
    return f"(window.parent && window.parent !== window) && window.parent.postMessage({message}, {target})"


def bridge_script(parent_origin: str, message_type: str, data: Mapping[str, Any]) -> str | None:
    """post_message_script, plus (once per page) Escape inside the iframe asking the SDK to close.

    Keyboard events inside a cross-origin iframe never reach the merchant page, so the checkout
    itself tells the parent, at exactly parent_origin, like its own close buttons do.
    """
    post = post_message_script(parent_origin, message_type, data)
    if post is None:
        return None
    close = post_message_script(parent_origin, "close_modal", {})
    return (
        "(() => { if (window.parent === window) return;"
        " if (!window.__paygateEscape) { window.__paygateEscape = true;"
        " document.addEventListener('keydown', (e) => {"
        f" if (e.key === 'Escape' || e.key === 'Esc') {{ {close}; }} }}, true); }}"
        f" {post}; }})()"
    )


def merchant_return_url(callback_url: str, payment_id: str, status: str) -> str:
    """The merchant's callback_url with payment_id and status added to its query (Razorpay style)."""
    if not callback_url:
        return ""
    parts = urlsplit(callback_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("payment_id", "status")]
    query += [("payment_id", payment_id), ("status", status)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
