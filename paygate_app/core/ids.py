"""Prefixed public ids: order_/pay_/rfnd_ + 16 alphanumerics; UUIDs for merchants and logs."""

from __future__ import annotations

import secrets
import string
import uuid

_ALPHABET = string.ascii_letters + string.digits
_UNBIASED = 256 - 256 % len(_ALPHABET)  # bytes below this map evenly onto the alphabet (248 = 4 * 62)


def random_alnum(length: int = 16) -> str:
    """`length` characters drawn uniformly from [A-Za-z0-9] with the OS's CSPRNG, one syscall per
    call in practice (bytes ≥ 248 are dropped so no character is likelier than another)."""
    out: list[str] = []
    while len(out) < length:
        out.extend(_ALPHABET[b % len(_ALPHABET)] for b in secrets.token_bytes(length + 4) if b < _UNBIASED)
    return "".join(out[:length])


def new_order_id() -> str:
    return "order_" + random_alnum()


def new_payment_id() -> str:
    return "pay_" + random_alnum()


def new_refund_id() -> str:
    return "rfnd_" + random_alnum()


def new_uuid() -> str:
    return str(uuid.uuid4())
