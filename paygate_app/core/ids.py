"""Prefixed public ids: order_/pay_/rfnd_ + 16 alphanumerics; UUIDs for merchants and logs."""

from __future__ import annotations

import secrets
import string
import uuid

_ALPHABET = string.ascii_letters + string.digits


def random_alnum(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_order_id() -> str:
    return "order_" + random_alnum()


def new_payment_id() -> str:
    return "pay_" + random_alnum()


def new_refund_id() -> str:
    return "rfnd_" + random_alnum()


def new_uuid() -> str:
    return str(uuid.uuid4())
