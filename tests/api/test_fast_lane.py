"""The fast lane (api/fast_lane.py) answers plain creates exactly as the FastAPI routes do.

A `+json` content type makes FastAPI parse the body while the fast lane steps aside, so the same
request can be sent through each lane and the answers compared.
"""

from __future__ import annotations

import httpx
import pytest

from api.fast_lane import FastLane
from tests.api.conftest import AUTH
from tests.api.helpers import FUTURE_YEAR, VISA, make_order

FASTAPI_LANE = {"content-type": "application/vnd.paygate+json"}
VOLATILE = {"id", "created_at", "order_id"}


async def _both_lanes(client: httpx.AsyncClient, path: str, bodies: tuple[dict, dict], headers: dict | None = None):
    fast = await client.post(path, json=bodies[0], headers=headers or {})
    slow = await client.post(path, json=bodies[1], headers={**(headers or {}), **FASTAPI_LANE})
    return fast, slow


def _stable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in VOLATILE}


async def test_create_order_is_the_same_on_both_lanes(client: httpx.AsyncClient):
    payload = {"amount": 12345, "currency": "USD", "receipt": "rcpt-1", "notes": {"sku": "A1", "qty": 2}}
    fast, slow = await _both_lanes(client, "/api/v1/orders", (payload, payload))
    assert (fast.status_code, slow.status_code) == (201, 201)
    assert fast.headers["content-type"] == slow.headers["content-type"] == "application/json"
    assert list(fast.json()) == list(slow.json())
    assert _stable(fast.json()) == _stable(slow.json())
    assert fast.json()["id"] != slow.json()["id"]
    for body in (fast.json(), slow.json()):
        assert (await client.get(f"/api/v1/orders/{body['id']}")).json() == body


@pytest.mark.parametrize(
    "method",
    [
        {"method": "upi", "vpa": "shopper@upi"},
        {"method": "card", "card": {"number": VISA, "expiry_month": 12, "expiry_year": FUTURE_YEAR, "cvv": "123"}},
    ],
)
async def test_create_payment_is_the_same_on_both_lanes(client: httpx.AsyncClient, method: dict):
    orders = [await make_order(client), await make_order(client)]
    bodies = ({"order_id": orders[0]["id"], **method}, {"order_id": orders[1]["id"], **method})
    fast, slow = await _both_lanes(client, "/api/v1/payments", bodies)
    assert (fast.status_code, slow.status_code) == (201, 201), (fast.text, slow.text)
    assert list(fast.json()) == list(slow.json())
    assert _stable(fast.json()) == _stable(slow.json())
    assert fast.json()["status"] == "pending"
    digits = VISA.replace(" ", "")
    assert digits not in fast.text and VISA not in fast.text
    assert "cvv" not in fast.text and "expiry" not in fast.text and "number" not in fast.text


async def test_core_errors_are_the_same_on_both_lanes(client: httpx.AsyncClient):
    missing = {"order_id": "order_doesnotexist0000", "method": "upi", "vpa": "shopper@upi"}
    fast, slow = await _both_lanes(client, "/api/v1/payments", (missing, missing))
    assert fast.status_code == slow.status_code == 404
    assert fast.json() == slow.json()
    assert fast.json()["error"]["code"] == "NOT_FOUND_ERROR"

    order = await make_order(client)
    bad_vpa = {"order_id": order["id"], "method": "upi", "vpa": "not-a-vpa"}
    fast, slow = await _both_lanes(client, "/api/v1/payments", (bad_vpa, bad_vpa))
    assert fast.status_code == slow.status_code == 400
    assert fast.json() == slow.json()
    assert fast.json()["error"]["code"] == "INVALID_VPA"


@pytest.mark.parametrize(
    "credentials",
    [{"X-Api-Key": "key_test_nobody", "X-Api-Secret": "wrong"}, {"X-Api-Secret": "only-a-secret"}],
)
async def test_authentication_errors_are_the_same_on_both_lanes(client: httpx.AsyncClient, credentials: dict):
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as anonymous:
        fast, slow = await _both_lanes(anonymous, "/api/v1/orders", ({"amount": 500}, {"amount": 500}), credentials)
    assert fast.status_code == slow.status_code == 401
    assert fast.json() == slow.json()
    assert fast.json()["error"]["code"] == "AUTHENTICATION_ERROR"


async def test_refused_bodies_are_worded_by_fastapi(client: httpx.AsyncClient):
    """Bodies the model refuses leave the fast lane and get FastAPI's 400, the same as ever."""
    for payload, words in [({"amount": 99}, "amount"), ({"amount": 500, "currency": "rupees"}, "currency")]:
        fast, slow = await _both_lanes(client, "/api/v1/orders", (payload, payload))
        assert fast.status_code == slow.status_code == 400
        assert fast.json() == slow.json()
        assert fast.json()["error"]["code"] == "BAD_REQUEST_ERROR" and words in fast.json()["error"]["description"]
    malformed = await client.post(
        "/api/v1/orders", content=b'{"amount": 500', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"] == {"code": "BAD_REQUEST_ERROR", "description": "Malformed JSON body"}
    form = await client.post("/api/v1/orders", content=b"amount=500", headers={"content-type": "text/plain"})
    assert form.status_code == 400 and form.json()["error"]["code"] == "BAD_REQUEST_ERROR"


class _Behind:
    """Stands for FastAPI behind the lane: records what reached it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        message = await receive()
        self.bodies.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize(
    ("headers", "body", "reaches_fastapi"),
    [
        ({}, b'{"amount": 500}', False),
        ({"content-type": "application/json; charset=UTF-8"}, b'{"amount": 500}', False),
        ({"idempotency-key": "k1"}, b'{"amount": 500}', False),  # the same idempotent run as FastAPI's route
        ({"idempotency-key": "k" * 256}, b'{"amount": 500}', True),  # FastAPI words the refusal
        ({"content-type": "application/vnd.paygate+json"}, b'{"amount": 500}', True),
        ({}, b'{"amount": 99}', True),
        ({}, b'{"amount": 500', True),
    ],
)
async def test_only_plain_creates_take_the_fast_lane(backend, headers: dict, body: bytes, reaches_fastapi: bool):
    behind = _Behind()
    transport = httpx.ASGITransport(app=FastLane(behind))
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=AUTH) as c:
        r = await c.post("/api/v1/orders", content=body, headers=headers)
        other = await c.post("/api/v1/refunds", content=body, headers=headers)
    assert (r.status_code == 299) is reaches_fastapi
    assert behind.bodies.count(body) == (2 if reaches_fastapi else 1)  # the body reaches FastAPI whole
    assert other.status_code == 299
