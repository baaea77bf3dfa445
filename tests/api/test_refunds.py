"""Refunds: both forms, rules, processing, concurrency."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.helpers import make_order, make_payment, paid_payment


async def _wait_refund(client: httpx.AsyncClient, refund_id: str, within: float = 10) -> dict:
    for _ in range(int(within * 10)):
        body = (await client.get(f"/api/v1/refunds/{refund_id}")).json()
        if body["status"] != "pending":
            return body
        await asyncio.sleep(0.1)
    return body


async def test_refund_partial_then_rest_by_default(client: httpx.AsyncClient):
    payment = await paid_payment(client, 50000)
    r = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 20000, "reason": "damaged"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert set(first) >= {"id", "payment_id", "amount", "reason", "status", "created_at"}
    assert first["id"].startswith("rfnd_") and first["status"] == "pending" and first["reason"] == "damaged"
    r = await client.post("/api/v1/refunds", json={"payment_id": payment["id"]})
    assert r.status_code == 201 and r.json()["amount"] == 30000
    detail = (await client.get(f"/api/v1/payments/{payment['id']}")).json()
    assert detail["amount_refunded"] == 50000 and detail["refund_status"] == "full" and detail["status"] == "success"
    r = await client.post("/api/v1/refunds", json={"payment_id": payment["id"], "amount": 100})
    assert r.status_code == 400 and r.json()["error"]["description"] == "Refund amount exceeds available amount"


async def test_refund_is_processed_by_worker(client: httpx.AsyncClient):
    payment = await paid_payment(client)
    refund = (await client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100})).json()
    done = await _wait_refund(client, refund["id"])
    assert done["status"] == "processed" and done["processed_at"] is not None


async def test_refund_too_large_or_on_pending_payment_is_400(client: httpx.AsyncClient):
    payment = await paid_payment(client, 1000)
    r = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 1001})
    assert r.status_code == 400
    order = await make_order(client)
    pending = await make_payment(client, order["id"])
    r = await client.post(f"/api/v1/payments/{pending['id']}/refunds", json={"amount": 100})
    assert r.status_code == 400
    for bad in ({"amount": "100"}, {"amount": 0}, {"amount": 1.5}, {"amount": -5}):
        r = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json=bad)
        assert r.status_code == 400, bad
    assert (await client.get("/api/v1/refunds")).json()["total"] == 0


async def test_refund_unknown_payment_is_404(client: httpx.AsyncClient):
    r = await client.post("/api/v1/refunds", json={"payment_id": "pay_doesnotexist0000", "amount": 100})
    assert r.status_code == 404


async def test_concurrent_refunds_never_exceed_payment(client: httpx.AsyncClient):
    payment = await paid_payment(client, 10000)
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 300}) for _ in range(50))
    )
    created = [r for r in responses if r.status_code == 201]
    assert len(created) == 33
    assert all(r.status_code == 400 for r in responses if r.status_code != 201)
    listing = (await client.get(f"/api/v1/refunds?payment_id={payment['id']}&limit=100")).json()
    assert listing["total"] == 33 and sum(r["amount"] for r in listing["data"]) == 9900


async def test_list_refunds_filters_by_payment(client: httpx.AsyncClient):
    a = await paid_payment(client)
    b = await paid_payment(client)
    await client.post(f"/api/v1/payments/{a['id']}/refunds", json={"amount": 100})
    await client.post(f"/api/v1/payments/{b['id']}/refunds", json={"amount": 200})
    only_a = (await client.get(f"/api/v1/refunds?payment_id={a['id']}")).json()
    assert [r["amount"] for r in only_a["data"]] == [100]
    assert (await client.get("/api/v1/refunds")).json()["total"] == 2
