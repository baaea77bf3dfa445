"""Every cap on client input answers 400 in the contract's error shape, before anything is written."""

from __future__ import annotations

import httpx
import pytest

from api.security import MAX_JSON_DEPTH
from tests.api.helpers import FUTURE_YEAR, VISA, make_order, paid_payment


def assert_400(r: httpx.Response, code: str = "BAD_REQUEST_ERROR") -> str:
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "description"}
    assert body["error"]["code"] == code
    assert "Traceback" not in r.text
    return body["error"]["description"]


def card(**overrides) -> dict:
    return {
        "number": VISA,
        "expiry_month": 12,
        "expiry_year": FUTURE_YEAR,
        "cvv": "123",
        "holder_name": "A",
        **overrides,
    }


async def orders_total(client: httpx.AsyncClient) -> int:
    return (await client.get("/api/v1/orders")).json()["total"]


async def test_body_over_64_kib_is_400(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/orders",
        content=b'{"amount": 500, "receipt": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert "larger than" in assert_400(r)
    assert await orders_total(client) == 0


async def test_streamed_body_over_64_kib_without_length_is_400(client: httpx.AsyncClient):
    async def chunks():
        yield b'{"amount": 500, "receipt": "'
        for _ in range(40):
            yield b"a" * 2048
        yield b'"}'

    r = await client.post("/api/v1/orders", content=chunks(), headers={"Content-Type": "application/json"})
    assert "larger than" in assert_400(r)


async def test_json_nested_deeper_than_the_cap_is_400(client: httpx.AsyncClient):
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    r = await client.post(
        "/api/v1/orders",
        content=f'{{"amount": 500, "notes": {{"a": {deep}}}}}',
        headers={"Content-Type": "application/json"},
    )
    assert "nested" in assert_400(r)


async def test_json_nested_to_the_recursion_limit_is_400(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/orders", content="[" * 30_000 + "]" * 30_000, headers={"Content-Type": "application/json"}
    )
    assert "nested" in assert_400(r)


@pytest.mark.parametrize("value", ["a\u0000b", "\ud800"])
async def test_nul_and_lone_surrogates_in_strings_are_400(client: httpx.AsyncClient, value: str):
    import json

    r = await client.post(
        "/api/v1/orders",
        content=json.dumps({"amount": 500, "receipt": value}),
        headers={"Content-Type": "application/json"},
    )
    assert_400(r)
    r = await client.post(
        "/api/v1/orders",
        content=json.dumps({"amount": 500, "notes": {value: "x"}}),
        headers={"Content-Type": "application/json"},
    )
    assert_400(r)
    assert await orders_total(client) == 0


async def test_nul_in_path_or_query_is_400(client: httpx.AsyncClient):
    assert_400(await client.get("/api/v1/orders/order_%00abc"))
    assert_400(await client.get("/api/v1/refunds?payment_id=pay_%00"))


@pytest.mark.parametrize("amount", [10**11 + 1, 10**30, int("9" * 100), -1, 0, 99, "500", 500.0, True, None])
async def test_order_amount_outside_bounds_or_not_an_integer_is_400(client: httpx.AsyncClient, amount):
    assert_400(await client.post("/api/v1/orders", json={"amount": amount}))


async def test_order_amount_at_the_maximum_is_accepted(client: httpx.AsyncClient):
    r = await client.post("/api/v1/orders", json={"amount": 10**11})
    assert r.status_code == 201 and r.json()["amount"] == 10**11


@pytest.mark.parametrize(
    "body",
    [
        {"receipt": "r" * 41},
        {"currency": "INRR"},
        {"notes": {f"k{i}": "v" for i in range(16)}},
        {"notes": {"k" * 41: "v"}},
        {"notes": {"k": "v" * 257}},
        {"notes": {"k": {"nested": 1}}},
        {"notes": {"k": [1, 2]}},
        {"notes": {"k": 2**63}},
    ],
    ids=[
        "receipt",
        "currency",
        "notes-keys",
        "notes-key-length",
        "notes-value-length",
        "notes-object",
        "notes-list",
        "notes-bigint",
    ],
)
async def test_order_string_and_notes_caps_are_400(client: httpx.AsyncClient, body: dict):
    assert_400(await client.post("/api/v1/orders", json={"amount": 500, **body}))
    assert await orders_total(client) == 0


async def test_nan_in_notes_is_400(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/orders", content='{"amount": 500, "notes": {"k": NaN}}', headers={"Content-Type": "application/json"}
    )
    assert_400(r)


@pytest.mark.parametrize(
    "body",
    [
        {"method": "card", "card": card(holder_name="h" * 101)},
        {"method": "upi", "vpa": "a" * 250 + "@upi00"},
        {"method": "upi", "vpa": "x@upi", "order_id": "o" * 65},
    ],
    ids=["holder_name", "vpa", "order_id"],
)
async def test_payment_string_caps_are_400(client: httpx.AsyncClient, body: dict):
    order = await make_order(client)
    assert_400(await client.post("/api/v1/payments", json={"order_id": order["id"], **body}))
    assert (await client.get("/api/v1/payments")).json()["total"] == 0


async def test_refund_reason_and_amount_caps_are_400(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    url = f"/api/v1/payments/{payment['id']}/refunds"
    assert_400(await client.post(url, json={"amount": 100, "reason": "r" * 256}))
    assert_400(await client.post(url, json={"amount": 10**11 + 1}))
    assert_400(await client.post("/api/v1/refunds", json={"payment_id": payment["id"], "amount": 0}))
    assert (await client.get("/api/v1/refunds")).json()["total"] == 0


async def test_idempotency_key_longer_than_255_is_400(client: httpx.AsyncClient):
    r = await client.post("/api/v1/orders", json={"amount": 500}, headers={"Idempotency-Key": "k" * 256})
    assert_400(r)
    assert await orders_total(client) == 0


async def test_list_limit_is_clamped_and_negative_values_are_400(client: httpx.AsyncClient):
    for _ in range(3):
        await make_order(client)
    body = (await client.get("/api/v1/orders", params={"limit": 10**12})).json()
    assert body["limit"] == 100 and len(body["data"]) == 3
    assert_400(await client.get("/api/v1/orders", params={"limit": -1}))
    assert_400(await client.get("/api/v1/payments", params={"offset": -5}))
    assert_400(await client.get("/api/v1/refunds", params={"offset": 10**10}))
    assert_400(await client.get("/api/v1/orders", params={"limit": "ten"}))


async def test_unknown_list_filter_value_is_400(client: httpx.AsyncClient):
    assert_400(await client.get("/api/v1/payments", params={"status": "x" * 5000}))


async def test_oversized_credentials_are_401_not_500(anon: httpx.AsyncClient):
    r = await anon.get("/api/v1/orders", headers={"X-Api-Key": "k" * 5000, "X-Api-Secret": "s" * 5000})
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTHENTICATION_ERROR"


# Hostile values (issue 15, item 8): `$` matched before a trailing newline and `\d` took any
# Unicode digit, so "4111111111111111\n" was a 500 (int("\n") in the Luhn check), full-width
# digits were stored as last4 U+FF11 x 4, and "a@upi\n" / "123\n" (CVV) were accepted.


def other_digits(ascii_digits: str, zero: int) -> str:
    """The same digits from another Unicode block: 0xFF10 full-width, 0x0660 Arabic-Indic."""
    return "".join(chr(zero + int(c)) if c in "0123456789" else c for c in ascii_digits)


def full_width(text: str) -> str:
    return other_digits(text, 0xFF10)


FULL_WIDTH_VISA = full_width("4111111111111111")
ARABIC_INDIC_VISA = other_digits("4111111111111111", 0x0660)
HOSTILE_PAYMENTS = {
    "number-newline": ({"method": "card", "card": card(number="4111111111111111\n")}, "INVALID_CARD"),
    "number-full-width": ({"method": "card", "card": card(number=FULL_WIDTH_VISA)}, "INVALID_CARD"),
    "number-arabic-indic": ({"method": "card", "card": card(number=ARABIC_INDIC_VISA)}, "INVALID_CARD"),
    "number-nbsp": ({"method": "card", "card": card(number="4111\u00a01111\u00a01111\u00a01111")}, "INVALID_CARD"),
    "number-only-separators": ({"method": "card", "card": card(number=" - - ")}, "INVALID_CARD"),
    "number-integer": ({"method": "card", "card": card(number=4111111111111111)}, "INVALID_CARD"),
    "number-superscript": ({"method": "card", "card": card(number="411111111111111\u00b9")}, "INVALID_CARD"),
    "cvv-newline": ({"method": "card", "card": card(cvv="123\n")}, "INVALID_CARD"),
    "cvv-full-width": ({"method": "card", "card": card(cvv=full_width("123"))}, "INVALID_CARD"),
    "cvv-bool": ({"method": "card", "card": card(cvv=True)}, "INVALID_CARD"),
    "month-newline": ({"method": "card", "card": card(expiry_month="12\n")}, "INVALID_CARD"),
    "month-padded": ({"method": "card", "card": card(expiry_month=" 12")}, "INVALID_CARD"),
    "month-full-width": ({"method": "card", "card": card(expiry_month=full_width("12"))}, "INVALID_CARD"),
    "month-signed": ({"method": "card", "card": card(expiry_month="+12")}, "INVALID_CARD"),
    "month-float": ({"method": "card", "card": card(expiry_month=12.0)}, "INVALID_CARD"),
    "month-huge": ({"method": "card", "card": card(expiry_month=10**30)}, "INVALID_CARD"),
    "year-newline": ({"method": "card", "card": card(expiry_year="2099\n")}, "INVALID_CARD"),
    "year-full-width": ({"method": "card", "card": card(expiry_year=full_width("2099"))}, "INVALID_CARD"),
    "year-negative": ({"method": "card", "card": card(expiry_year=-1)}, "INVALID_CARD"),
    "year-huge": ({"method": "card", "card": card(expiry_year=10**30)}, "INVALID_CARD"),
    "card-list": ({"method": "card", "card": [VISA]}, "BAD_REQUEST_ERROR"),
    "vpa-newline": ({"method": "upi", "vpa": "a@upi\n"}, "INVALID_VPA"),
    "vpa-full-width-name": ({"method": "upi", "vpa": "\uff41@upi"}, "INVALID_VPA"),
    "vpa-full-width-handle": ({"method": "upi", "vpa": "a@\uff55\uff50\uff49"}, "INVALID_VPA"),
    "vpa-two-handles": ({"method": "upi", "vpa": "a@upi@upi"}, "INVALID_VPA"),
    "vpa-number": ({"method": "upi", "vpa": 5}, "BAD_REQUEST_ERROR"),
    "method-newline": ({"method": "upi\n", "vpa": "a@upi"}, "BAD_REQUEST_ERROR"),
}


def assert_4xx_error_shape(r: httpx.Response, code: str) -> None:
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert set(body) == {"error"} and {"code", "description"} <= set(body["error"]) <= {
        "code",
        "description",
        "reason",
        "metadata",
    }
    assert body["error"]["code"] == code, r.text
    assert "Traceback" not in r.text


@pytest.mark.parametrize(("body", "code"), list(HOSTILE_PAYMENTS.values()), ids=list(HOSTILE_PAYMENTS))
@pytest.mark.parametrize("route", ["/api/v1/payments", "/api/v1/payments/public"])
async def test_hostile_payment_values_are_4xx_and_write_nothing(
    client: httpx.AsyncClient, route: str, body: dict, code: str
):
    order = await make_order(client)
    r = await client.post(route, json={"order_id": order["id"], **body})
    assert_4xx_error_shape(r, code)
    assert r.status_code == 400
    assert (await client.get("/api/v1/payments")).json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 500, "currency": "INR\n"},
        {"amount": 500, "currency": "\uff29\uff2e\uff32"},
        {"amount": 500, "currency": "inr"},
        {"amount": full_width("500")},
        {"amount": "500\n"},
        {"amount": 5e2},
        {"amount": 500, "receipt": 5},
    ],
    ids=["currency-newline", "currency-full-width", "currency-lower", "amount-full-width", "amount-newline",
         "amount-float", "receipt-number"],
)  # fmt: skip
async def test_hostile_order_values_are_400_and_write_nothing(client: httpx.AsyncClient, body: dict):
    assert_4xx_error_shape(await client.post("/api/v1/orders", json=body), "BAD_REQUEST_ERROR")
    assert await orders_total(client) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "100\n"},
        {"amount": full_width("100")},
        {"amount": 100.5},
        {"amount": 100, "reason": 5},
        {"amount": -100},
    ],
    ids=["amount-newline", "amount-full-width", "amount-float", "reason-number", "amount-negative"],
)
async def test_hostile_refund_values_are_400_and_write_nothing(client: httpx.AsyncClient, body: dict):
    payment = await paid_payment(client)
    r = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json=body)
    assert_4xx_error_shape(r, "BAD_REQUEST_ERROR")
    r = await client.post("/api/v1/refunds", json={"payment_id": payment["id"], **body})
    assert_4xx_error_shape(r, "BAD_REQUEST_ERROR")
    assert (await client.get("/api/v1/refunds")).json()["total"] == 0


async def test_full_width_card_digits_are_never_stored(client: httpx.AsyncClient):
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "card", "card": card(number=FULL_WIDTH_VISA)}
    assert (await client.post("/api/v1/payments", json=body)).status_code == 400
    ok = await client.post("/api/v1/payments", json={**body, "card": card(number="4111-1111 1111-1111")})
    assert ok.status_code == 201 and ok.json()["card_last4"] == "1111"


async def test_anonymous_payment_spam_across_orders_is_cut_per_ip(
    client: httpx.AsyncClient, anon: httpx.AsyncClient, monkeypatch
):
    """Issue 15 (7): the per-order cap does not stop one IP from spamming many orders; the IP limit does."""
    from paygate_app.core.settings import settings

    orders = [await make_order(client) for _ in range(8)]
    monkeypatch.setattr(settings, "rate_limit_enabled", True)
    monkeypatch.setattr(settings, "rate_limit_ip", "5/minute")
    codes = []
    for order in orders:
        r = await anon.post(
            "/api/v1/payments/public", json={"order_id": order["id"], "method": "upi", "vpa": "failure@upi"}
        )
        codes.append(r.status_code)
    assert codes == [201] * 5 + [429] * 3
    assert r.json()["error"]["code"] == "RATE_LIMITED" and 1 <= int(r.headers["Retry-After"]) <= 60
    monkeypatch.setattr(settings, "rate_limit_enabled", False)
    assert (await client.get("/api/v1/payments")).json()["total"] == 5
