"""Idempotency-Key across a crash (issue 18, item 5), on SQLite and PostgreSQL.

Before: the key's answer was written after the create's transaction, so a process that died in
between left the key `processing`: the retry got 409 for 60 s, then "Order is already paid" and
never its payment. Now the answer is committed with the resource; only the in-progress claim is
written before, for a short lease.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from paygate_app.core import idempotency, orders, payments, refunds
from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import IdempotencyConflict
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.settings import settings
from tests.api.helpers import make_order, paid_payment

# FastAPI's route parses a `*+json` body as JSON; the fast lane takes only plain JSON.
LANES = {"fast-lane": {}, "fastapi": {"content-type": "application/vnd.paygate+json"}}


class ProcessDied(BaseException):
    """Stands for SIGKILL: nothing of the request runs after the point where it is raised."""


class Crash:
    """The process dies after the create returned (its transaction committed) and before anything
    else: where the old design wrote the key's answer (`finish`), and before the HTTP answer."""

    def __init__(self) -> None:
        self._saved = (idempotency.finish, idempotency.release)

    def arm(self) -> None:
        idempotency.finish = idempotency.release = _die

    def restart(self) -> None:
        idempotency.finish, idempotency.release = self._saved


def _die(*_args, **_kwargs):
    raise ProcessDied


@pytest.fixture
def dies_after_the_create():
    crash = Crash()
    crash.arm()
    yield crash
    crash.restart()


async def _count(table: str) -> int:
    db = await get_db()
    return int((await db.fetch_one(f"SELECT COUNT(*) AS n FROM {table}"))["n"])


async def _post_dying(client: httpx.AsyncClient, path: str, body: dict, headers: dict) -> None:
    with pytest.raises(ProcessDied):
        await client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("lane", LANES)
async def test_payment_answer_lost_after_commit_is_replayed(client: httpx.AsyncClient, dies_after_the_create, lane):
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    headers = {"Idempotency-Key": "cut-pay-1", **LANES[lane]}
    await _post_dying(client, "/api/v1/payments", body, headers)
    dies_after_the_create.restart()  # the process is restarted

    committed = (await client.get("/api/v1/payments")).json()["data"]
    assert len(committed) == 1
    retry = await client.post("/api/v1/payments", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == committed[0]["id"] and retry.json()["status"] == "pending"
    assert await _count("payments") == 1


async def test_settled_payment_is_replayed_not_already_paid(client: httpx.AsyncClient, dies_after_the_create):
    """The issue's case: the payment committed, its answer was lost, and it settled meanwhile."""
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    headers = {"Idempotency-Key": "cut-pay-2"}
    await _post_dying(client, "/api/v1/payments", body, headers)
    dies_after_the_create.restart()
    [payment] = (await client.get("/api/v1/payments")).json()["data"]
    deadline = asyncio.get_running_loop().time() + 10
    while (await client.get(f"/api/v1/orders/{order['id']}")).json()["status"] != "paid":
        assert asyncio.get_running_loop().time() < deadline, "the payment did not settle"
        await asyncio.sleep(0.05)

    retry = await client.post("/api/v1/payments", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == payment["id"] and retry.json()["status"] == "pending"  # the first answer
    again = await client.post("/api/v1/payments", json=body, headers=headers)
    assert again.content == retry.content
    # Another key on the paid order is refused, naming the payment; that refusal is replayed too.
    other = {"Idempotency-Key": "cut-pay-2-other"}
    refused = await client.post("/api/v1/payments", json={**body, "vpa": "b@upi"}, headers=other)
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "BAD_REQUEST_ERROR",
        "description": "Order is already paid",
        "reason": "order_already_paid",
        "metadata": {"payment_id": payment["id"]},
    }
    replayed = await client.post("/api/v1/payments", json={**body, "vpa": "b@upi"}, headers=other)
    assert replayed.status_code == 400 and replayed.content == refused.content
    assert await _count("payments") == 1


async def test_public_payment_answer_lost_after_commit_is_replayed(client: httpx.AsyncClient, dies_after_the_create):
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    headers = {"X-Api-Key": "", "X-Api-Secret": "", "Idempotency-Key": "checkout-tab"}
    await _post_dying(client, "/api/v1/payments/public", body, headers)
    dies_after_the_create.restart()
    retry = await client.post("/api/v1/payments/public", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert [p["id"] for p in (await client.get("/api/v1/payments")).json()["data"]] == [retry.json()["id"]]


@pytest.mark.parametrize("lane", LANES)
async def test_order_answer_lost_after_commit_is_replayed(client: httpx.AsyncClient, dies_after_the_create, lane):
    headers = {"Idempotency-Key": "cut-order", **LANES[lane]}
    await _post_dying(client, "/api/v1/orders", {"amount": 777, "notes": {"a": "b"}}, headers)
    dies_after_the_create.restart()
    [committed] = (await client.get("/api/v1/orders")).json()["data"]
    retry = await client.post("/api/v1/orders", json={"amount": 777, "notes": {"a": "b"}}, headers=headers)
    assert retry.status_code == 201 and retry.json() == committed  # the answer is the row, byte for byte
    assert await _count("orders") == 1


async def test_refund_answer_lost_after_commit_is_replayed(client: httpx.AsyncClient, dies_after_the_create):
    dies_after_the_create.restart()
    payment = await paid_payment(client)
    dies_after_the_create.arm()
    path, headers = f"/api/v1/payments/{payment['id']}/refunds", {"Idempotency-Key": "cut-refund"}
    await _post_dying(client, path, {"amount": 100}, headers)
    dies_after_the_create.restart()
    [committed] = (await client.get("/api/v1/refunds")).json()["data"]
    retry = await client.post(path, json={"amount": 100}, headers=headers)
    assert retry.status_code == 201 and retry.json()["id"] == committed["id"]
    assert (await client.get(f"/api/v1/payments/{payment['id']}")).json()["amount_refunded"] == 100
    assert await _count("refunds") == 1


async def test_claim_left_by_a_crash_before_commit_frees_the_key_after_the_lease(
    client: httpx.AsyncClient, monkeypatch
):
    """A process that claimed the key and died before its commit left only the claim."""
    monkeypatch.setattr(settings, "idempotency_lease_seconds", 0.5)
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    raw = httpx.Request("POST", "http://x/api/v1/payments", json=body).content
    fingerprint = idempotency.request_fingerprint("/api/v1/payments", raw)
    stale = await idempotency.begin(merchant_id=TEST_MERCHANT["id"], key="crashed", fingerprint=fingerprint)
    assert isinstance(stale, idempotency.Claim)

    headers = {"Idempotency-Key": "crashed"}
    first = await client.post("/api/v1/payments", json=body, headers=headers)
    assert first.status_code == 409 and first.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    deadline = asyncio.get_running_loop().time() + 5
    while (r := await client.post("/api/v1/payments", json=body, headers=headers)).status_code == 409:
        assert asyncio.get_running_loop().time() < deadline, "the key stayed blocked"
        await asyncio.sleep(0.05)
    assert r.status_code == 201, r.text
    assert [p["id"] for p in (await client.get("/api/v1/payments")).json()["data"]] == [r.json()["id"]]


async def _create(kind: str, client: httpx.AsyncClient, claim: idempotency.Claim) -> str:
    merchant = TEST_MERCHANT["id"]
    if kind == "order":
        return (await orders.create_order(merchant_id=merchant, amount=500, claim=claim))["id"]
    if kind == "payment":
        order = await make_order(client)
        body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
        return (await payments.create_payment(merchant_id=merchant, body=body, claim=claim))["id"]
    payment = await paid_payment(client)
    return (await refunds.create_refund(merchant_id=merchant, payment_id=payment["id"], amount=100, claim=claim))["id"]


@pytest.mark.parametrize("kind", ["order", "payment", "refund"])
async def test_request_that_lost_its_lease_creates_nothing(client: httpx.AsyncClient, kind: str):
    """A request slower than its lease lost the key to a retry: its create is refused (409) and
    writes nothing; the retry's create completes the key."""
    table = {"order": "orders", "payment": "payments", "refund": "refunds"}[kind]
    fingerprint = idempotency.request_fingerprint("/x", b"{}")
    slow = await idempotency.begin(merchant_id=TEST_MERCHANT["id"], key=f"slow-{kind}", fingerprint=fingerprint)
    db = await get_db()
    await db.execute("UPDATE idempotency_keys SET created_at = :t", {"t": utcnow() - timedelta(minutes=1)})
    retry = await idempotency.begin(merchant_id=TEST_MERCHANT["id"], key=f"slow-{kind}", fingerprint=fingerprint)
    assert isinstance(slow, idempotency.Claim) and isinstance(retry, idempotency.Claim)
    assert retry.token != slow.token

    before = await _count(table)
    with pytest.raises(IdempotencyConflict):
        await _create(kind, client, slow)
    assert await _count(table) == before
    created = await _create(kind, client, retry)
    assert await _count(table) == before + 1
    replay = await idempotency.begin(merchant_id=TEST_MERCHANT["id"], key=f"slow-{kind}", fingerprint=fingerprint)
    assert isinstance(replay, idempotency.Replay) and replay.status == 201 and created in replay.body.decode()


@pytest.mark.parametrize("lane", LANES)
async def test_concurrent_identical_payments_create_one(client: httpx.AsyncClient, lane):
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    headers = {"Idempotency-Key": "pay-race", **LANES[lane]}
    responses = await asyncio.gather(*(client.post("/api/v1/payments", json=body, headers=headers) for _ in range(20)))
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.content for r in responses if r.status_code == 201}) == 1
    assert await _count("payments") == 1


async def test_same_payment_key_different_body_is_422(client: httpx.AsyncClient):
    order = await make_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    headers = {"Idempotency-Key": "pay-422"}
    assert (await client.post("/api/v1/payments", json=body, headers=headers)).status_code == 201
    r = await client.post("/api/v1/payments", json={**body, "vpa": "other@upi"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await _count("payments") == 1
