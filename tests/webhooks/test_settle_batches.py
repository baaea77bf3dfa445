"""Payments settled together (core/payment_settle.py): the same outcomes as one at a time.

Each test settles many payments in one moment through `processing.run_payment`, the job a
worker runs, and checks what a merchant sees: statuses, orders, and exactly one outcome
webhook per payment, delivered and signed, on both databases.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import orjson
import pytest
from webhook_support import MerchantInfo, Receiver, spy_on_set_sizes

from paygate_app.core import payment_settle, processing
from paygate_app.core.db import Database, utcnow
from paygate_app.core.methods import ALWAYS_FAIL_VPA
from paygate_app.core.orders import create_order
from paygate_app.core.payments import create_payment, get_payment
from paygate_app.core.settings import settings
from paygate_app.core.webhooks import delivery

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "test_processing_delay", 0)


async def _pay(merchant: MerchantInfo, order_id: str, vpa: str = "shopper@okbank") -> dict:
    return await create_payment(merchant_id=merchant.id, body={"order_id": order_id, "method": "upi", "vpa": vpa})


async def _events(db: Database, payment_id: str) -> list[str]:
    rows = await db.fetch_all(
        "SELECT event FROM webhook_logs WHERE payment_id = :p ORDER BY created_at, event", {"p": payment_id}
    )
    return [r["event"] for r in rows]


@pytest.fixture
def claimed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The log ids a delivery claimed (a held log is sent without one)."""
    ids: list[str] = []
    real_claim = delivery.claim

    async def spy(log_id: str):
        ids.append(log_id)
        return await real_claim(log_id)

    monkeypatch.setattr(delivery, "claim", spy)
    return ids


@pytest.fixture
def set_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the sets settled in one transaction (one statement on PostgreSQL)."""
    return spy_on_set_sizes(monkeypatch, payment_settle, "settle_set")


async def test_a_moment_of_payments_settles_each_once_with_its_outcome_webhook(
    db: Database, merchant: MerchantInfo, receiver: Receiver, set_sizes: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    orders = [await create_order(merchant_id=merchant.id, amount=1000 + n) for n in range(30)]
    payments = [
        await _pay(merchant, o["id"], ALWAYS_FAIL_VPA if n % 5 == 0 else "ok@okbank") for n, o in enumerate(orders)
    ]
    # What the create rang: each payment's outbox rows and the claim they were written with
    # (PostgreSQL; SQLite writes them unclaimed and the job claims them).
    logs = {
        p["id"]: await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": p["id"]})
        for p in payments
    }
    # Each payment's job runs twice at once (a redelivered message): still one outcome each.
    jobs = [
        processing.run_payment(p["id"], [r["id"] for r in logs[p["id"]]], held_until=logs[p["id"]][0]["claimed_until"])
        for p in payments
    ]
    outcomes = await asyncio.gather(*jobs, *(processing.run_payment(p["id"]) for p in payments))
    mine, again = outcomes[:30], outcomes[30:]
    assert sorted(filter(None, mine + again)) == sorted(["failed"] * 6 + ["success"] * 24)
    for n, payment in enumerate(payments):
        row = await get_payment(payment["id"])
        expected = "failed" if n % 5 == 0 else "success"
        assert row["status"] == expected, (n, row)
        assert (row["error_code"] is None) == (expected == "success")
        order = await db.fetch_one("SELECT status FROM orders WHERE id = :id", {"id": payment["order_id"]})
        assert order["status"] == ("created" if expected == "failed" else "paid")
        assert await _events(db, payment["id"]) == ["payment.created", "payment.pending", f"payment.{expected}"]
    # settled in sets, none of which fell back to one by one (both databases: the same function)
    assert max(set_sizes) > 1 and sum(set_sizes) >= 30
    assert not [r for r in caplog.records if "settling one by one" in r.getMessage()]
    # The jobs delivered the events themselves before they returned.
    bodies = [orjson.loads(b) for b in receiver.bodies]
    assert len(bodies) == 90
    outcome_events = sorted(
        (b["data"]["payment"]["id"], b["event"]) for b in bodies if b["event"] in ("payment.success", "payment.failed")
    )
    assert outcome_events == sorted(
        (p["id"], f"payment.{'failed' if n % 5 == 0 else 'success'}") for n, p in enumerate(payments)
    )
    for body in bodies:  # each event's place in its payment's life, however the sets were cut
        assert body["sequence"] == {"payment.created": 1, "payment.pending": 2}.get(body["event"], 3)
        if body["event"] == "payment.success":
            assert body["data"]["payment"]["status"] == "success" and body["data"]["payment"]["error_code"] is None


async def test_two_approved_payments_of_one_order_settled_together_one_succeeds(
    db: Database, merchant: MerchantInfo, set_sizes: list[int]
) -> None:
    order = await create_order(merchant_id=merchant.id, amount=5000)
    first, second = await _pay(merchant, order["id"]), await _pay(merchant, order["id"])
    statuses = await asyncio.gather(processing.run_payment(first["id"]), processing.run_payment(second["id"]))
    assert sorted(statuses) == ["failed", "success"]
    rows = [await get_payment(p["id"]) for p in (first, second)]
    loser = next(r for r in rows if r["status"] == "failed")
    assert (loser["error_code"], loser["error_description"]) == ("PAYMENT_FAILED", "Order has already been paid")
    assert (await db.fetch_one("SELECT status FROM orders WHERE id = :id", {"id": order["id"]}))["status"] == "paid"
    assert await _events(db, loser["id"]) == ["payment.created", "payment.pending", "payment.failed"]
    if db.dialect == "postgresql":  # tried as one set, refused by the unique index, then as sets of one
        assert set_sizes == [2, 1, 1]
    else:  # SQLite's steps run item by item: the second finds the order paid within the set
        assert set_sizes == [2]


async def test_the_outcome_event_is_delivered_by_the_settling_worker_without_a_claim(
    db: Database, merchant: MerchantInfo, receiver: Receiver, claimed: list[str]
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite settles in a transaction of single statements and claims as usual")
    payment = await _pay(merchant, (await create_order(merchant_id=merchant.id, amount=700))["id"])
    assert await processing.process_payment(payment["id"]) == "success"
    [success] = await db.fetch_all(
        "SELECT * FROM webhook_logs WHERE payment_id = :p AND event = 'payment.success'", {"p": payment["id"]}
    )
    assert (success["status"], success["attempts"], success["claimed_until"]) == ("success", 1, None)
    assert success["id"] not in claimed
    [body] = [orjson.loads(b) for b in receiver.bodies]
    assert body["event"] == "payment.success" and body["data"]["payment"]["id"] == payment["id"]


async def test_an_outcome_event_whose_worker_died_is_delivered_by_the_sweeper_once_its_claim_runs_out(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite settles in a transaction of single statements and claims as usual")
    payment = await _pay(merchant, (await create_order(merchant_id=merchant.id, amount=700))["id"])

    async def died(job) -> None:  # the process is gone between the commit and the send
        return None

    monkeypatch.setattr(processing, "deliver_held", died)
    assert await processing.process_payment(payment["id"]) == "success"
    [log] = await db.fetch_all("SELECT * FROM webhook_logs WHERE event = 'payment.success'")
    assert log["status"] == "pending" and log["claimed_until"] is not None
    assert log["id"] not in await delivery.due_webhook_ids()  # held: nobody else sends it yet
    await db.execute("UPDATE webhook_logs SET claimed_until = :t", {"t": utcnow() - timedelta(seconds=1)})
    assert log["id"] in await delivery.due_webhook_ids()
    assert await delivery.deliver_webhook(log["id"]) == "success"
    assert [orjson.loads(b)["event"] for b in receiver.bodies] == ["payment.success"]


async def test_the_created_and_pending_events_are_sent_by_the_rung_job_without_a_claim(
    db: Database, merchant: MerchantInfo, receiver: Receiver, claimed: list[str]
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite writes the outbox rows unclaimed and the job claims them")
    payment = await _pay(merchant, (await create_order(merchant_id=merchant.id, amount=900))["id"])
    rows = await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment["id"]})
    [held] = {r["claimed_until"] for r in rows}
    assert held is not None and held > utcnow()
    assert not set(await delivery.due_webhook_ids()) & {r["id"] for r in rows}  # nobody else sends them
    assert await processing.run_payment(payment["id"], [r["id"] for r in rows], held_until=held) == "success"
    assert claimed == []
    events = sorted(orjson.loads(b)["event"] for b in receiver.bodies)
    assert events == ["payment.created", "payment.pending", "payment.success"]
    logs = await db.fetch_all(
        "SELECT status, attempts, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment["id"]}
    )
    assert [(r["status"], r["attempts"], r["claimed_until"]) for r in logs] == [("success", 1, None)] * 3


async def test_created_events_of_a_lost_job_go_out_once_their_claim_runs_out(
    db: Database, merchant: MerchantInfo, receiver: Receiver
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite writes the outbox rows unclaimed")
    payment = await _pay(merchant, (await create_order(merchant_id=merchant.id, amount=900))["id"])
    ids = {
        r["id"] for r in await db.fetch_all("SELECT id FROM webhook_logs WHERE payment_id = :p", {"p": payment["id"]})
    }
    # The job was lost (Redis flushed): nothing sends them while the claim holds ...
    assert not set(await delivery.due_webhook_ids()) & ids
    # ... and once it has run out, the sweeper's query finds them and they are delivered.
    await db.execute("UPDATE webhook_logs SET claimed_until = :t", {"t": utcnow() - timedelta(seconds=1)})
    assert ids <= set(await delivery.due_webhook_ids())
    assert [await delivery.deliver_webhook(i) for i in sorted(ids)] == ["success", "success"]
    assert sorted(orjson.loads(b)["event"] for b in receiver.bodies) == ["payment.created", "payment.pending"]
