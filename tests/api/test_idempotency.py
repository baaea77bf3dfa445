"""Idempotency keys: replay, conflict, reuse, 4xx replay, concurrency, expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from paygate_app.core.db import get_db, utcnow
from tests.api.helpers import make_order, paid_payment


async def test_same_key_same_body_replays_byte_for_byte(client: httpx.AsyncClient):
    h = {"Idempotency-Key": "order-1"}
    first = await client.post("/api/v1/orders", json={"amount": 500}, headers=h)
    second = await client.post("/api/v1/orders", json={"amount": 500}, headers=h)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert (await client.get("/api/v1/orders")).json()["total"] == 1


async def test_same_key_different_body_is_422(client: httpx.AsyncClient):
    h = {"Idempotency-Key": "order-2"}
    await client.post("/api/v1/orders", json={"amount": 500}, headers=h)
    r = await client.post("/api/v1/orders", json={"amount": 501}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_key_is_scoped_to_merchant(client: httpx.AsyncClient):
    h = {"Idempotency-Key": "shared"}
    await client.post("/api/v1/orders", json={"amount": 500}, headers=h)
    reg = (
        await client.post("/api/v1/auth/register", json={"name": "B", "email": "i@example.com", "password": "abcdefg8"})
    ).json()
    other = {"X-Api-Key": reg["merchant"]["api_key"], "X-Api-Secret": reg["merchant"]["api_secret"], **h}
    r = await client.post("/api/v1/orders", json={"amount": 500}, headers=other)
    assert r.status_code == 201 and r.json()["merchant_id"] == reg["merchant"]["id"]


async def test_4xx_is_replayed(client: httpx.AsyncClient):
    order = await make_order(client)
    h = {"Idempotency-Key": "bad-vpa"}
    body = {"order_id": order["id"], "method": "upi", "vpa": "bad"}
    first = await client.post("/api/v1/payments", json=body, headers=h)
    second = await client.post("/api/v1/payments", json=body, headers=h)
    assert first.status_code == second.status_code == 400 and first.content == second.content


async def test_key_too_long_is_400(client: httpx.AsyncClient):
    r = await client.post("/api/v1/orders", json={"amount": 500}, headers={"Idempotency-Key": "k" * 256})
    assert r.status_code == 400
    assert (await client.get("/api/v1/orders")).json()["total"] == 0


async def test_in_flight_key_is_409(client: httpx.AsyncClient):
    from paygate_app.core import idempotency

    fp = idempotency.request_fingerprint("/api/v1/orders", b'{"amount":500}')
    started = await idempotency.begin(merchant_id="550e8400-e29b-41d4-a716-446655440000", key="busy", fingerprint=fp)
    assert isinstance(started, idempotency.Claim)
    r = await client.post("/api/v1/orders", json={"amount": 500}, headers={"Idempotency-Key": "busy"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"


async def test_concurrent_identical_requests_create_one(client: httpx.AsyncClient):
    h = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/orders", json={"amount": 700}, headers=h) for _ in range(20))
    )
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 409} and 201 in codes
    bodies = {r.content for r in responses if r.status_code == 201}
    assert len(bodies) == 1
    assert (await client.get("/api/v1/orders")).json()["total"] == 1


async def test_concurrent_identical_refunds_create_one(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    h = {"Idempotency-Key": "refund-race"}
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100}, headers=h) for _ in range(20))
    )
    assert {r.status_code for r in responses} <= {201, 409}
    assert (await client.get("/api/v1/refunds")).json()["total"] == 1


async def test_expired_key_is_reusable(client: httpx.AsyncClient):
    h = {"Idempotency-Key": "old"}
    await client.post("/api/v1/orders", json={"amount": 500}, headers=h)
    db = await get_db()
    await db.execute("UPDATE idempotency_keys SET expires_at = :t", {"t": utcnow() - timedelta(seconds=1)})
    r = await client.post("/api/v1/orders", json={"amount": 999}, headers=h)
    assert r.status_code == 201 and r.json()["amount"] == 999
    assert (await client.get("/api/v1/orders")).json()["total"] == 2


# Public endpoints (issue 15, item 5). Reproduced attack: an anonymous caller sent the merchant's
# Idempotency-Key to POST /payments/public and learnt whether it was used (422 vs 400), or
# burnt it first, so the merchant's own refund with that key was 422 for 24 h.

ANON = {"X-Api-Key": "", "X-Api-Secret": ""}


async def test_anonymous_caller_cannot_burn_the_merchants_key(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    key = {"Idempotency-Key": "refund-2026-12-07"}
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    assert (await client.post("/api/v1/payments/public", json=body, headers={**ANON, **key})).status_code == 201
    r = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100}, headers=key)
    assert r.status_code == 201, r.text
    assert (await client.get("/api/v1/refunds")).json()["total"] == 1


async def test_anonymous_caller_cannot_see_whether_the_merchant_used_a_key(client: httpx.AsyncClient):
    order = await make_order(client)
    used = {"Idempotency-Key": "merchant-used"}
    assert (await client.post("/api/v1/orders", json={"amount": 500}, headers=used)).status_code == 201
    probe = {"order_id": order["id"], "method": "upi", "vpa": "bad"}
    answers = [
        await client.post("/api/v1/payments/public", json=probe, headers={**ANON, "Idempotency-Key": k})
        for k in ("merchant-used", "never-used")
    ]
    assert [r.status_code for r in answers] == [400, 400]
    assert answers[0].content == answers[1].content
    # and the merchant's key still replays its own first response
    again = await client.post("/api/v1/orders", json={"amount": 500}, headers=used)
    assert again.status_code == 201 and (await client.get("/api/v1/orders")).json()["total"] == 2


async def test_public_key_replays_within_its_order(client: httpx.AsyncClient):
    order = await make_order(client)
    key = {**ANON, "Idempotency-Key": "checkout-tab-1"}
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    first = await client.post("/api/v1/payments/public", json=body, headers=key)
    second = await client.post("/api/v1/payments/public", json=body, headers=key)
    assert first.status_code == second.status_code == 201 and first.content == second.content
    other = {**body, "vpa": "other@upi"}
    assert (await client.post("/api/v1/payments/public", json=other, headers=key)).status_code == 422
    # the same key on another order of the merchant is another key
    order2 = await make_order(client)
    r = await client.post("/api/v1/payments/public", json={**body, "order_id": order2["id"]}, headers=key)
    assert r.status_code == 201
    assert (await client.get("/api/v1/payments")).json()["total"] == 2
