"""Orders' optional callback_url: where the hosted checkout offers to send the shopper back."""

from __future__ import annotations

import httpx
import pytest


async def test_create_order_stores_and_returns_callback_url(client: httpx.AsyncClient):
    url = "https://shop.example.com/paid?cart=42"
    r = await client.post("/api/v1/orders", json={"amount": 50000, "callback_url": url})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["callback_url"] == url
    assert (await client.get(f"/api/v1/orders/{order['id']}")).json()["callback_url"] == url
    listed = (await client.get("/api/v1/orders")).json()["data"]
    assert [o["callback_url"] for o in listed] == [url]


async def test_create_order_without_callback_url_returns_null(client: httpx.AsyncClient):
    r = await client.post("/api/v1/orders", json={"amount": 50000, "callback_url": None})
    assert r.status_code == 201, r.text
    assert r.json()["callback_url"] is None


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "ftp://shop.example.com/x",
        "shop.example.com/paid",
        "https://",
        "https://shop.example.com/a b",
        "https://shop.example.com:99999/",
        "https://shop.example.com/" + "x" * 2100,
        123,
        ["https://shop.example.com"],
    ],
)
async def test_create_order_rejects_bad_callback_url(client: httpx.AsyncClient, bad):
    r = await client.post("/api/v1/orders", json={"amount": 50000, "callback_url": bad})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    assert "callback_url" in r.json()["error"]["description"]
    assert (await client.get("/api/v1/orders")).json()["total"] == 0  # nothing half-written
