"""Orders: create, validation, get, list, public view, isolation."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import make_order


async def test_create_order_returns_contract_fields(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/orders", json={"amount": 50000, "currency": "INR", "receipt": "r#1", "notes": {"a": "b"}}
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {
        "id",
        "merchant_id",
        "amount",
        "currency",
        "receipt",
        "notes",
        "callback_url",
        "status",
        "created_at",
    }
    assert body["callback_url"] is None
    assert body["id"].startswith("order_") and len(body["id"]) == 22
    assert body["status"] == "created" and body["notes"] == {"a": "b"} and body["amount"] == 50000
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 99},
        {"amount": "500"},
        {"amount": 500.0},
        {"amount": True},
        {"amount": 10**11 + 1},
        {},
        {"amount": 500, "currency": "rupees"},
        {"amount": 500, "receipt": "x" * 41},
        {"amount": 500, "notes": {str(i): i for i in range(16)}},
        {"amount": 500, "notes": {"nested": {"a": 1}}},
    ],
)
async def test_create_order_rejects_bad_input(client: httpx.AsyncClient, payload):
    r = await client.post("/api/v1/orders", json=payload)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    listing = (await client.get("/api/v1/orders")).json()
    assert listing["total"] == 0


async def test_create_order_malformed_json_is_400(client: httpx.AsyncClient):
    r = await client.post("/api/v1/orders", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"


async def test_get_order_and_public_view(client: httpx.AsyncClient):
    order = await make_order(client, 12345)
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json() == order
    public = await client.get(f"/api/v1/orders/{order['id']}/public", headers={"X-Api-Key": "", "X-Api-Secret": ""})
    assert public.json() == {
        "id": order["id"],
        "amount": 12345,
        "currency": "INR",
        "status": "created",
        "merchant_name": "Test Merchant",
    }


async def test_get_unknown_order_is_404(client: httpx.AsyncClient):
    r = await client.get("/api/v1/orders/order_doesnotexist0000")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND_ERROR"


async def test_list_orders_paginates_and_clamps(client: httpx.AsyncClient):
    for amount in (100, 200, 300):
        await make_order(client, amount)
    page = (await client.get("/api/v1/orders?limit=2&offset=1")).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [o["amount"] for o in page["data"]] == [200, 100]
    assert (await client.get("/api/v1/orders?limit=500")).json()["limit"] == 100
    assert (await client.get("/api/v1/orders?skip=2")).json()["offset"] == 2
    assert (await client.get("/api/v1/orders?limit=-1")).status_code == 400
    assert (await client.get("/api/v1/orders?offset=-5")).status_code == 400


async def test_other_merchant_cannot_see_order(client: httpx.AsyncClient):
    order = await make_order(client)
    body = {"name": "B", "email": "b@example.com", "password": "abcdefg8"}
    reg = await client.post("/api/v1/auth/register", json=body)
    m = reg.json()["merchant"]
    other = {"X-Api-Key": m["api_key"], "X-Api-Secret": m["api_secret"]}
    r = await client.get(f"/api/v1/orders/{order['id']}", headers=other)
    assert r.status_code == 404
    assert (await client.get("/api/v1/orders", headers=other)).json()["total"] == 0
