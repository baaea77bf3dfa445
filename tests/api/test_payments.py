"""Payments: validation and error codes, processing, capture, public endpoints, isolation."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest

from paygate_app.core.settings import settings
from tests.api.helpers import FUTURE_YEAR, VISA, make_order, make_payment, paid_payment, wait_payment


def card(number: str = VISA, month: object = 12, year: object = FUTURE_YEAR, cvv: object = "123") -> dict:
    return {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv, "holder_name": "A Shopper"}


async def test_upi_payment_goes_pending_then_success(client: httpx.AsyncClient):
    order = await make_order(client)
    payment = await make_payment(client, order["id"])
    assert payment["status"] == "pending" and payment["captured"] is False
    assert payment["id"].startswith("pay_") and len(payment["id"]) == 20
    assert payment["vpa"] == "shopper@upi" and payment["amount"] == order["amount"]
    assert "card_last4" not in payment
    final = await wait_payment(client, payment["id"])
    assert final["status"] == "success" and final["error_code"] is None
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["status"] == "paid"


async def test_card_payment_stores_only_network_and_last4(client: httpx.AsyncClient):
    order = await make_order(client)
    r = await client.post("/api/v1/payments", json={"order_id": order["id"], "method": "card", "card": card()})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["card_network"] == "visa" and body["card_last4"] == "1111" and "vpa" not in body
    from paygate_app.core.db import get_db

    dump = repr(await (await get_db()).fetch_all("SELECT * FROM payments"))
    assert "4111111111111111" not in dump and "123" not in dump.replace(body["id"], "")


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "rupay"),
        ("3530111333300000", "unknown"),
    ],
)
async def test_card_network_detection(client: httpx.AsyncClient, number: str, network: str):
    order = await make_order(client)
    r = await client.post("/api/v1/payments", json={"order_id": order["id"], "method": "card", "card": card(number)})
    assert r.status_code == 201, r.text
    assert r.json()["card_network"] == network


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"method": "upi", "vpa": "no-at-sign"}, "INVALID_VPA"),
        ({"method": "upi", "vpa": "a@b.c"}, "INVALID_VPA"),
        ({"method": "upi"}, "INVALID_VPA"),
        ({"method": "card", "card": card("4111111111111112")}, "INVALID_CARD"),
        ({"method": "card", "card": card("4111-1111-11")}, "INVALID_CARD"),
        ({"method": "card", "card": card(cvv="12")}, "INVALID_CARD"),
        ({"method": "card", "card": card(cvv="12345")}, "INVALID_CARD"),
        ({"method": "card", "card": card(month=13)}, "INVALID_CARD"),
        ({"method": "card", "card": card(month="0")}, "INVALID_CARD"),
        ({"method": "card", "card": card(year="2020")}, "EXPIRED_CARD"),
        ({"method": "card", "card": card(month=1, year=str(date.today().year - 1)[2:])}, "EXPIRED_CARD"),
        ({"method": "cash"}, "BAD_REQUEST_ERROR"),
        ({"method": "card"}, "BAD_REQUEST_ERROR"),
    ],
)
async def test_create_payment_validation_codes(client: httpx.AsyncClient, body: dict, code: str):
    order = await make_order(client)
    r = await client.post("/api/v1/payments", json={"order_id": order["id"], **body})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert (await client.get("/api/v1/payments")).json()["total"] == 0


async def test_card_expiry_accepts_strings_and_two_digit_year(client: httpx.AsyncClient):
    order = await make_order(client)
    this_month = date.today()
    c = card(month=str(this_month.month), year=str(this_month.year)[2:], cvv="1234")
    r = await client.post("/api/v1/payments", json={"order_id": order["id"], "method": "card", "card": c})
    assert r.status_code == 201, r.text


async def test_always_fail_inputs_fail_with_code(client: httpx.AsyncClient):
    order = await make_order(client)
    p1 = await make_payment(client, order["id"], vpa="failure@upi")
    failed = await wait_payment(client, p1["id"])
    assert failed["status"] == "failed" and failed["error_code"] == "PAYMENT_FAILED" and failed["error_description"]
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["status"] == "created"
    r = await client.post(
        "/api/v1/payments", json={"order_id": order["id"], "method": "card", "card": card("4000000000000002")}
    )
    assert (await wait_payment(client, r.json()["id"]))["status"] == "failed"
    # the shopper can retry on the same order
    retry = await make_payment(client, order["id"])
    assert (await wait_payment(client, retry["id"]))["status"] == "success"


async def test_test_payment_success_false_fails(client: httpx.AsyncClient, monkeypatch):
    monkeypatch.setattr(settings, "test_payment_success", False)
    order = await make_order(client)
    p = await make_payment(client, order["id"])
    assert (await wait_payment(client, p["id"]))["status"] == "failed"


async def test_paid_order_refuses_new_payment(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    r = await client.post("/api/v1/payments", json={"order_id": payment["order_id"], "method": "upi", "vpa": "a@upi"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"


async def test_two_concurrent_payments_on_one_order_never_both_succeed(client: httpx.AsyncClient):
    order = await make_order(client)
    created = await asyncio.gather(*(make_payment(client, order["id"]) for _ in range(5)))
    finals = await asyncio.gather(*(wait_payment(client, p["id"]) for p in created))
    assert sorted(f["status"] for f in finals).count("success") == 1


async def test_unknown_or_foreign_order_in_body_is_404(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/payments", json={"order_id": "order_missing000000000", "method": "upi", "vpa": "a@upi"}
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND_ERROR"


async def test_capture_rules(client: httpx.AsyncClient):
    order = await make_order(client)
    pending = await make_payment(client, order["id"])
    r = await client.post(f"/api/v1/payments/{pending['id']}/capture", json={})
    assert r.status_code == 400 and r.json()["error"]["description"] == "Payment not in capturable state"
    await wait_payment(client, pending["id"])
    r = await client.post(f"/api/v1/payments/{pending['id']}/capture", json={"amount": 100})
    assert r.status_code == 400
    r = await client.post(f"/api/v1/payments/{pending['id']}/capture", json={"amount": order["amount"]})
    assert r.status_code == 200 and r.json()["captured"] is True
    r = await client.post(f"/api/v1/payments/{pending['id']}/capture")
    assert r.status_code == 400


async def test_list_payments_filters(client: httpx.AsyncClient):
    ok = await paid_payment(client)
    order = await make_order(client)
    bad = await make_payment(client, order["id"], vpa="failure@upi")
    await wait_payment(client, bad["id"])
    only_failed = (await client.get("/api/v1/payments?status=failed")).json()
    assert [p["id"] for p in only_failed["data"]] == [bad["id"]] and only_failed["total"] == 1
    only_upi = (await client.get("/api/v1/payments?method=upi&status=success")).json()
    assert [p["id"] for p in only_upi["data"]] == [ok["id"]]
    assert (await client.get("/api/v1/payments?method=card")).json()["total"] == 0


async def test_public_payment_endpoints(client: httpx.AsyncClient):
    order = await make_order(client)
    anon = {"X-Api-Key": "", "X-Api-Secret": ""}
    body = {"order_id": order["id"], "method": "upi", "vpa": "a@upi"}
    r = await client.post("/api/v1/payments/public", json=body, headers=anon)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert (await client.get(f"/api/v1/payments/{pid}/public", headers=anon)).json()["id"] == pid
    r = await client.post(
        "/api/v1/payments/public", json=body, headers={"X-Api-Key": "key_unknown", "X-Api-Secret": ""}
    )
    assert r.status_code == 401
    reg = await client.post(
        "/api/v1/auth/register", json={"name": "B", "email": "b2@example.com", "password": "abcdefg8"}
    )
    r = await client.post(
        "/api/v1/payments/public",
        json=body,
        headers={"X-Api-Key": reg.json()["merchant"]["api_key"], "X-Api-Secret": ""},
    )
    assert r.status_code == 404


async def test_other_merchant_gets_404_for_payment(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    body = {"name": "C", "email": "c@example.com", "password": "abcdefg8"}
    reg = await client.post("/api/v1/auth/register", json=body)
    m = reg.json()["merchant"]
    other = {"X-Api-Key": m["api_key"], "X-Api-Secret": m["api_secret"]}
    for method, path in [
        ("GET", f"/api/v1/payments/{payment['id']}"),
        ("POST", f"/api/v1/payments/{payment['id']}/capture"),
        ("POST", f"/api/v1/payments/{payment['id']}/refunds"),
    ]:
        r = await client.request(method, path, headers=other, json={"amount": 100} if "refunds" in path else None)
        assert r.status_code == 404, (path, r.text)


async def test_public_payment_read_masks_the_vpa(client: httpx.AsyncClient):
    """Issue 15 (9): anyone with a payment id read the shopper's full VPA."""
    order = await make_order(client)
    payment = await make_payment(client, order["id"], vpa="shopper.name@okbank")
    anon = {"X-Api-Key": "", "X-Api-Secret": ""}
    body = (await client.get(f"/api/v1/payments/{payment['id']}/public", headers=anon)).json()
    assert body["vpa"] == "sh****@okbank" and "shopper.name" not in str(body)
    assert body["id"] == payment["id"] and body["status"] in ("pending", "success")
    # the merchant's own read is unmasked
    assert (await client.get(f"/api/v1/payments/{payment['id']}")).json()["vpa"] == "shopper.name@okbank"
