"""`paygate verify`: check a captured delivery's signatures, as a merchant's server would.

`webhook-signature` is checked with the stock `standardwebhooks` library; `X-Webhook-Signature`
(hex HMAC-SHA256 of the body keyed with the UTF-8 bytes of the whole secret) with the standard library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


class VerifyError(Exception):
    """One line that says why the delivery does not verify."""


@dataclass(frozen=True)
class Delivery:
    body: bytes
    msg_id: str | None = None
    timestamp: str | None = None
    signature: str | None = None
    hex_signature: str | None = None


def standard_webhooks_secret(secret: str) -> str:
    """The secret in the form the stock libraries take.

    A generated secret (`whsec_` + base64) is used as is. A legacy secret whose tail is not
    base64 (the seeded `whsec_test_abc123`) is keyed with its whole string: wrap that in base64.
    """
    if not secret.startswith("whsec_") or len(secret) <= len("whsec_"):
        raise VerifyError("malformed secret: expected whsec_... exactly as the dashboard shows it")
    tail = secret[len("whsec_") :]
    if _BASE64.fullmatch(tail):
        try:
            if base64.b64decode(tail if "=" in tail else tail + "=" * (-len(tail) % 4), validate=True):
                return secret
        except (binascii.Error, ValueError):
            pass
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def verify_delivery(delivery: Delivery, secret: str) -> str:
    """Return what was checked; raise VerifyError with one line otherwise."""
    sw_secret = standard_webhooks_secret(secret)
    trio = (delivery.msg_id, delivery.timestamp, delivery.signature)
    if not any(trio) and not delivery.hex_signature:
        raise VerifyError("missing headers: give --id, --timestamp and --signature (or --hex-signature)")
    if any(trio) and not all(trio):
        raise VerifyError("missing headers: webhook-id, webhook-timestamp and webhook-signature go together")
    checked = []
    if delivery.timestamp is not None and not delivery.timestamp.strip().isdigit():
        raise VerifyError(f"bad webhook-timestamp {delivery.timestamp!r}: expected unix seconds")
    if all(trio):
        headers = {"webhook-id": delivery.msg_id, "webhook-timestamp": delivery.timestamp}
        headers["webhook-signature"] = delivery.signature
        try:
            Webhook(sw_secret).verify(delivery.body, headers, json_parse=False)
        except WebhookVerificationError as exc:
            reason = str(exc).rstrip(".")
            if "too old" in reason or "too new" in reason:
                reason += " (outside the 5-minute tolerance: a replay, or a delivery captured earlier)"
            raise VerifyError(f"webhook-signature: {reason}") from None
        checked.append("webhook-signature")
    if delivery.hex_signature:
        expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(delivery.hex_signature.strip().lower().encode(), expected.encode()):
            raise VerifyError("X-Webhook-Signature does not match the body and secret")
        checked.append("X-Webhook-Signature")
    return " and ".join(checked)
