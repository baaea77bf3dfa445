"""The attempt cap per order and the error `reason` / `metadata` (issue 15, items 0 and 7).

Reproduced attack: 15 anonymous `POST /payments/public` with `failure@upi` on one order made
15 payments (and 45 webhooks). Now the 11th attempt on an order is 429 `RATE_LIMITED` with
`reason: "too_many_attempts"`, on every create path: the PostgreSQL set statement, its
one-payment fallback, SQLite's transaction; authenticated and public routes alike.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from paygate_app.core import payment_create
from paygate_app.core.db import get_db, utcnow
from paygate_app.core.ids import new_payment_id
from paygate_app.core.settings import settings
from tests.api.helpers import make_order, paid_payment

ANON = {"X-Api-Key": "", "X-Api-Secret": ""}
CAP = 10


def upi(order_id: str, vpa: str = "failure@upi") -> dict:
    return {"order_id": order_id, "method": "upi", "vpa": vpa}


async def payments_of(client: httpx.AsyncClient, order_id: str) -> int:
    body = (await client.get("/api/v1/payments", params={"limit": 100})).json()
    return sum(1 for p in body["data"] if p["order_id"] == order_id)


def assert_too_many_attempts(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["code"] == "RATE_LIMITED" and error["reason"] == "too_many_attempts"
    assert "at most 10" in error["description"] and "new order" in error["description"]
    assert "metadata" not in error
    assert "retry-after" not in r.headers  # waiting does not help: the order is out of attempts


@pytest.fixture
def single_path(monkeypatch) -> None:
    """Make every set of more than one fail, so each create runs again as a set of one."""
    real = payment_create.create_set

    async def refuse(items):
        if len(items) > 1:
            raise RuntimeError("set statement refused (test)")
        return await real(items)

    monkeypatch.setattr(payment_create, "create_set", refuse)


async def test_anonymous_spam_on_one_order_stops_at_the_cap(client: httpx.AsyncClient):
    order = await make_order(client)
    codes = []
    for _ in range(15):
        r = await client.post("/api/v1/payments/public", json=upi(order["id"]), headers=ANON)
        codes.append(r.status_code)
        if r.status_code == 429:
            assert_too_many_attempts(r)
    assert codes == [201] * CAP + [429] * 5
    assert await payments_of(client, order["id"]) == CAP


async def test_authenticated_route_shares_the_cap(client: httpx.AsyncClient):
    order = await make_order(client)
    for _ in range(CAP - 1):
        assert (await client.post("/api/v1/payments/public", json=upi(order["id"]), headers=ANON)).status_code == 201
    assert (await client.post("/api/v1/payments", json=upi(order["id"]))).status_code == 201
    assert_too_many_attempts(await client.post("/api/v1/payments", json=upi(order["id"])))
    assert_too_many_attempts(
        await client.post("/api/v1/payments", json=upi(order["id"]), headers={"Idempotency-Key": "cap-1"})
    )
    assert await payments_of(client, order["id"]) == CAP
    # another order of the same merchant is not affected
    other = await make_order(client)
    assert (await client.post("/api/v1/payments", json=upi(other["id"]))).status_code == 201


async def test_concurrent_attempts_never_pass_the_cap(client: httpx.AsyncClient, caplog):
    caplog.set_level(logging.INFO, logger="paygate.payments")
    order = await make_order(client)
    responses = await asyncio.gather(*(client.post("/api/v1/payments", json=upi(order["id"])) for _ in range(25)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * CAP + [429] * 15
    assert await payments_of(client, order["id"]) == CAP
    assert "refused" not in caplog.text  # PostgreSQL: the set statement itself held the cap


async def test_concurrent_attempts_on_the_single_path_never_pass_the_cap(
    client: httpx.AsyncClient, backend: str, single_path
):
    order = await make_order(client)
    responses = await asyncio.gather(*(client.post("/api/v1/payments", json=upi(order["id"])) for _ in range(15)))
    assert sorted(r.status_code for r in responses) == [201] * CAP + [429] * 5
    assert await payments_of(client, order["id"]) == CAP


async def test_the_cap_is_a_setting(client: httpx.AsyncClient, monkeypatch):
    monkeypatch.setattr(settings, "max_payment_attempts_per_order", 2)
    order = await make_order(client)
    for _ in range(2):
        assert (await client.post("/api/v1/payments", json=upi(order["id"]))).status_code == 201
    r = await client.post("/api/v1/payments", json=upi(order["id"]))
    assert r.status_code == 429 and "at most 2" in r.json()["error"]["description"]


async def test_paid_order_names_its_payment(client: httpx.AsyncClient):
    paid = await paid_payment(client)
    for path, headers in [
        ("/api/v1/payments", {}),  # the fast lane
        ("/api/v1/payments", {"Idempotency-Key": "after-paid"}),  # keyed (stored, then replayed)
        ("/api/v1/payments/public", ANON),
    ]:
        r = await client.post(path, json=upi(paid["order_id"], "a@upi"), headers=headers)
        assert r.status_code == 400, (path, r.text)
        assert r.json() == {
            "error": {
                "code": "BAD_REQUEST_ERROR",
                "description": "Order is already paid",
                "reason": "order_already_paid",
                "metadata": {"payment_id": paid["id"]},
            }
        }


async def test_paid_order_names_its_payment_on_the_single_path(client: httpx.AsyncClient, single_path):
    paid = await paid_payment(client)
    r = await client.post("/api/v1/payments", json=upi(paid["order_id"], "a@upi"))
    assert r.status_code == 400
    assert r.json()["error"]["reason"] == "order_already_paid"
    assert r.json()["error"]["metadata"] == {"payment_id": paid["id"]}


async def test_paid_order_is_refused_before_the_cap(client: httpx.AsyncClient, monkeypatch):
    monkeypatch.setattr(settings, "max_payment_attempts_per_order", 1)
    paid = await paid_payment(client)
    r = await client.post("/api/v1/payments", json=upi(paid["order_id"], "a@upi"))
    assert r.status_code == 400 and r.json()["error"]["reason"] == "order_already_paid"


async def test_refund_too_large_has_its_reason(client: httpx.AsyncClient):
    paid = await paid_payment(client, amount=1000)
    r = await client.post(f"/api/v1/payments/{paid['id']}/refunds", json={"amount": 1001})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "code": "BAD_REQUEST_ERROR",
        "description": "Refund amount exceeds available amount",
        "reason": "refund_exceeds_available",
    }


async def test_errors_without_a_reason_keep_their_shape(client: httpx.AsyncClient):
    r = await client.post("/api/v1/payments", json=upi("order_missing000000000"))
    assert r.content == b'{"error":{"code":"NOT_FOUND_ERROR","description":"Order not found"}}'
    order = await make_order(client)
    r = await client.post("/api/v1/payments", json=upi(order["id"], "bad"))
    assert r.content == b'{"error":{"code":"INVALID_VPA","description":"Invalid VPA format"}}'


def new_payment(order_id: str, merchant_id: str) -> payment_create.NewPayment:
    now = utcnow()
    return payment_create.NewPayment(
        payment_id=new_payment_id(),
        order_id=order_id,
        merchant_id=merchant_id,
        method="upi",
        force_fail=True,
        vpa="failure@upi",
        card_network=None,
        card_last4=None,
        due=now,
        at=now,
        held_until=now,
    )


async def test_sets_racing_on_other_connections_never_pass_the_cap(client: httpx.AsyncClient, backend: str):
    """Three set statements on three connections at once (as from three processes): 18 creates, 10 made."""
    if backend != "postgres":
        pytest.skip("the set statement is PostgreSQL's")
    order = await make_order(client)
    sets = [[new_payment(order["id"], order["merchant_id"]) for _ in range(6)] for _ in range(3)]
    results = await asyncio.gather(*(payment_create.create_set(items) for items in sets))
    made = [c.row for created in results for c in created if c.row is not None]
    assert len(made) == CAP
    db = await get_db()
    row = await db.fetch_one("SELECT payment_attempts FROM orders WHERE id = :id", {"id": order["id"]})
    assert row is not None and row["payment_attempts"] == CAP
