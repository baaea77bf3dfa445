"""Webhook secrets and signatures: our hex `X-Webhook-Signature` and the Standard Webhooks trio.

Secrets are `whsec_` + base64 of 32 random bytes (`new_secret`). The two schemes use different keys:

- `X-Webhook-Signature`: hex HMAC-SHA256 of the exact body, keyed with the UTF-8 bytes of the
  whole secret string (`whsec_...` included) -- the seeds' scheme.
- `webhook-id` / `webhook-timestamp` / `webhook-signature`: `v1,<base64 HMAC-SHA256 of
  "{id}.{timestamp}.{body}">`, keyed as the Standard Webhooks spec says: with the base64-decoded
  part after `whsec_`, so the secret exactly as shown works in the stock `standardwebhooks`
  libraries. A legacy secret whose tail is not valid base64 (the seeded `whsec_test_abc123`)
  keeps the UTF-8 bytes of the whole string.

Keys are derived once per secret (`standard_key` is cached): signing is on the delivery hot path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from functools import lru_cache

HEX_HEADER = "X-Webhook-Signature"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
DEFAULT_TOLERANCE = 300  # seconds
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


class WebhookVerificationError(Exception):
    """The request's signature headers are missing, stale or do not match the body."""


def new_secret() -> str:
    """A fresh webhook secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _hex_key(secret: str) -> bytes:
    return secret.encode("utf-8")


@lru_cache(maxsize=4096)
def standard_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key: the base64-decoded tail after `whsec_`.

    Falls back to the UTF-8 bytes of the whole string for a legacy secret whose tail is not
    valid base64 (strict alphabet; missing padding is tolerated, as the stock libraries do).
    """
    tail = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    if _BASE64.fullmatch(tail):
        try:
            padded = tail if "=" in tail else tail + "=" * (-len(tail) % 4)
            key = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if key:
            return key
    return secret.encode("utf-8")


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def hex_signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the exact body (the `X-Webhook-Signature` value)."""
    return hmac.new(_hex_key(secret), _as_bytes(body), hashlib.sha256).hexdigest()


def standard_signature(body: bytes, secret: str, *, msg_id: str, timestamp: int) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (Standard Webhooks)."""
    signed = f"{msg_id}.{timestamp}.".encode() + _as_bytes(body)
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def sign(body: bytes, secret: str, *, msg_id: str, timestamp: int) -> dict[str, str]:
    """The signature headers for one delivery attempt of `body`."""
    return {
        HEX_HEADER: hex_signature(body, secret),
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: standard_signature(body, secret, msg_id=msg_id, timestamp=int(timestamp)),
    }


def _verify_standard(
    body: bytes,
    msg_id: str,
    raw_timestamp: str,
    raw_signatures: str,
    secret: str,
    *,
    tolerance: int,
    now: int,
) -> None:
    try:
        timestamp = int(raw_timestamp.strip())
    except ValueError:
        raise WebhookVerificationError("Invalid webhook-timestamp") from None
    if timestamp < now - tolerance:
        raise WebhookVerificationError("Message timestamp too old")
    if timestamp > now + tolerance:
        raise WebhookVerificationError("Message timestamp too new")
    expected = standard_signature(body, secret, msg_id=msg_id, timestamp=timestamp)
    expected_b64 = expected.split(",", 1)[1].encode()
    for candidate in raw_signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected_b64):
            return
    raise WebhookVerificationError("No matching webhook-signature")


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: int | None = None,
) -> None:
    """Raise WebhookVerificationError unless the headers sign `body` with `secret`.

    Header names are case-insensitive. With the Standard Webhooks trio present, it must
    verify (timestamp within `tolerance` seconds of `now`; any of several space-separated
    `v1,` signatures may match). With `X-Webhook-Signature` present, it must match too.
    At least one of the two schemes is required.
    """
    body = _as_bytes(body)
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    trio = [lowered.get(name) for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)]
    hex_value = lowered.get(HEX_HEADER.lower())
    if any(trio) and not all(trio):
        raise WebhookVerificationError("Incomplete Standard Webhooks headers")
    if not any(trio) and not hex_value:
        raise WebhookVerificationError("Missing webhook signature headers")
    if all(trio):
        msg_id, raw_timestamp, raw_signatures = trio
        _verify_standard(
            body,
            msg_id,  # type: ignore[arg-type]
            raw_timestamp,  # type: ignore[arg-type]
            raw_signatures,  # type: ignore[arg-type]
            secret,
            tolerance=tolerance,
            now=int(time.time()) if now is None else int(now),
        )
    if hex_value:
        expected = hex_signature(body, secret)
        if not hmac.compare_digest(hex_value.strip().lower().encode(), expected.encode()):
            raise WebhookVerificationError("X-Webhook-Signature does not match")
