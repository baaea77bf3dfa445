"""Small factories over the HTTP API."""

from __future__ import annotations

import asyncio

import httpx

FUTURE_YEAR = "2099"
VISA = "4111 1111 1111 1111"


async def make_order(client: httpx.AsyncClient, amount: int = 50000) -> dict:
    response = await client.post("/api/v1/orders", json={"amount": amount})
    assert response.status_code == 201, response.text
    return response.json()


async def make_payment(client: httpx.AsyncClient, order_id: str, vpa: str = "shopper@upi") -> dict:
    response = await client.post("/api/v1/payments", json={"order_id": order_id, "method": "upi", "vpa": vpa})
    assert response.status_code == 201, response.text
    return response.json()


async def wait_payment(client: httpx.AsyncClient, payment_id: str, within: float = 10) -> dict:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        body = (await client.get(f"/api/v1/payments/{payment_id}")).json()
        if body["status"] != "pending" or asyncio.get_running_loop().time() > deadline:
            return body
        await asyncio.sleep(0.1)


async def paid_payment(client: httpx.AsyncClient, amount: int = 50000) -> dict:
    order = await make_order(client, amount)
    payment = await make_payment(client, order["id"])
    final = await wait_payment(client, payment["id"])
    assert final["status"] == "success"
    return final
