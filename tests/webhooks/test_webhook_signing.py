"""sign() / verify(): round trips, tampering, replay window, and interop with standardwebhooks."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as SwVerificationError

from examples.webhook_receiver import InvalidSignature, verify_request
from paygate_app.core.webhooks.signing import WebhookVerificationError, new_secret, sign, standard_key, verify

SECRET = "whsec_test_abc123"
BODY = b'{"event":"payment.success","timestamp":1700000000,"data":{"payment":{"id":"pay_x"}}}'
MSG_ID = "9f1c2d4e-0000-4000-8000-000000000001"


def _headers(body: bytes = BODY, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    return sign(body, secret, msg_id=MSG_ID, timestamp=int(time.time()) if ts is None else ts)


def _standard_only(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("webhook-")}


def test_sign_produces_all_four_headers() -> None:
    headers = sign(BODY, SECRET, msg_id=MSG_ID, timestamp=1700000000)
    assert set(headers) == {"X-Webhook-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == MSG_ID
    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"].startswith("v1,")
    assert len(headers["X-Webhook-Signature"]) == 64


def test_sign_hex_signature_matches_known_vector() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, SECRET, msg_id=MSG_ID, timestamp=1)["X-Webhook-Signature"] == expected


def test_verify_round_trip_accepts_both_schemes() -> None:
    verify(BODY, _headers(), SECRET)


def test_verify_hex_only_accepted() -> None:
    headers = _headers()
    verify(BODY, {"X-Webhook-Signature": headers["X-Webhook-Signature"]}, SECRET)


def test_verify_standard_trio_only_accepted() -> None:
    verify(BODY, _standard_only(_headers()), SECRET)


def test_verify_header_names_case_insensitive() -> None:
    headers = {k.upper(): v for k, v in _headers().items()}
    verify(BODY, headers, SECRET)


def test_verify_tampered_body_rejected() -> None:
    headers = _headers()
    tampered = BODY.replace(b"pay_x", b"pay_y")
    with pytest.raises(WebhookVerificationError):
        verify(tampered, headers, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(tampered, _standard_only(headers), SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(tampered, {"X-Webhook-Signature": headers["X-Webhook-Signature"]}, SECRET)


def test_verify_tampered_id_or_timestamp_rejected() -> None:
    headers = _standard_only(_headers())
    with pytest.raises(WebhookVerificationError):
        verify(BODY, {**headers, "webhook-id": "other"}, SECRET)
    with pytest.raises(WebhookVerificationError):
        verify(BODY, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}, SECRET)


def test_verify_wrong_secret_rejected() -> None:
    with pytest.raises(WebhookVerificationError):
        verify(BODY, _headers(), "whsec_other")


def test_verify_stale_timestamp_rejected_as_replay() -> None:
    now = 1_700_000_000
    headers = _headers(ts=now - 301)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(BODY, headers, SECRET, now=now)
    verify(BODY, headers, SECRET, now=now, tolerance=600)


def test_verify_future_timestamp_rejected() -> None:
    now = 1_700_000_000
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify(BODY, _headers(ts=now + 301), SECRET, now=now)


def test_verify_multiple_signatures_any_match() -> None:
    headers = _headers()
    headers["webhook-signature"] = "v1,AAAA v2,zzz " + headers["webhook-signature"]
    verify(BODY, _standard_only(headers), SECRET)


def test_verify_missing_headers_rejected() -> None:
    with pytest.raises(WebhookVerificationError, match="Missing"):
        verify(BODY, {}, SECRET)


def test_verify_incomplete_trio_rejected() -> None:
    headers = _headers()
    del headers["webhook-timestamp"]
    with pytest.raises(WebhookVerificationError, match="Incomplete"):
        verify(BODY, headers, SECRET)


def test_verify_valid_hex_does_not_rescue_stale_trio() -> None:
    now = 1_700_000_000
    with pytest.raises(WebhookVerificationError):
        verify(BODY, _headers(ts=now - 3600), SECRET, now=now)


GENERATED = new_secret()
# The seeded legacy secret's tail is not base64: its key is the UTF-8 bytes of the whole string,
# which the stock libraries take in their own `whsec_` + base64(key) form.
SEEDED_FOR_STOCK = "whsec_" + base64.b64encode(SECRET.encode()).decode()


def test_new_secret_is_whsec_base64_of_32_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and secret != new_secret()
    assert len(base64.b64decode(secret[6:], validate=True)) == 32
    assert standard_key(secret) == base64.b64decode(secret[6:])


def test_standard_key_legacy_secret_is_whole_string() -> None:
    assert standard_key(SECRET) == SECRET.encode()
    assert standard_key("whsec_abcde") == b"whsec_abcde"  # 5 base64 characters cannot be decoded


def test_hex_signature_keyed_with_whole_string_for_generated_secret() -> None:
    import hashlib
    import hmac

    expected = hmac.new(GENERATED.encode(), BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, GENERATED, msg_id=MSG_ID, timestamp=1)["X-Webhook-Signature"] == expected


@pytest.mark.parametrize(
    ("ours", "stock"), [(GENERATED, GENERATED), (SECRET, SEEDED_FOR_STOCK)], ids=["generated", "seeded"]
)
def test_sign_verified_by_standardwebhooks_package(ours: str, stock: str) -> None:
    payload = Webhook(stock).verify(BODY, _standard_only(_headers(secret=ours)))
    assert payload["event"] == "payment.success"


def test_sign_generated_secret_fails_stock_verify_with_other_secret() -> None:
    with pytest.raises(SwVerificationError):
        Webhook(new_secret()).verify(BODY, _standard_only(_headers(secret=GENERATED)))


def test_sign_tampering_rejected_by_standardwebhooks_package() -> None:
    with pytest.raises(SwVerificationError):
        Webhook(GENERATED).verify(BODY + b" ", _standard_only(_headers(secret=GENERATED)))


@pytest.mark.parametrize(
    ("ours", "stock"), [(GENERATED, GENERATED), (SECRET, SEEDED_FOR_STOCK)], ids=["generated", "seeded"]
)
def test_verify_accepts_standardwebhooks_signature(ours: str, stock: str) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    signature = Webhook(stock).sign(MSG_ID, now, BODY.decode())
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    verify(BODY, headers, ours)


def test_example_receiver_verify_accepts_signed_request() -> None:
    verify_request(BODY, _headers(), SECRET)


def test_example_receiver_verify_rejects_tampering() -> None:
    with pytest.raises(InvalidSignature):
        verify_request(BODY + b" ", _headers(), SECRET)
    with pytest.raises(InvalidSignature):
        verify_request(BODY, _headers(ts=int(time.time()) - 3600), SECRET)
