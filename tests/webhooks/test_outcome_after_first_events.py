"""A payment's outcome event is sent only after its `payment.created` / `payment.pending` were
sent (answered or failed), by its job and by the sweeper that takes over a dropped job, so a
receiver that answers each on its first attempt gets a payment's events in their order.
On SQLite and PostgreSQL, against a real receiver that is slow to answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from webhook_support import MerchantInfo, Receiver

from paygate_app.core import processing
from paygate_app.core.db import Database, utcnow
from paygate_app.core.orders import create_order
from paygate_app.core.payments import create_payment
from paygate_app.core.settings import settings
from tasks import sweeper

pytestmark = pytest.mark.asyncio

ANSWER_AFTER = 0.4  # s the receiver takes to answer each request


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "test_processing_delay", 0)


async def _pay(merchant: MerchantInfo) -> dict:
    order = await create_order(merchant_id=merchant.id, amount=5000)
    return await create_payment(
        merchant_id=merchant.id, body={"order_id": order["id"], "method": "upi", "vpa": "a@okbank"}
    )


def _arrivals(receiver: Receiver, payment_id: str) -> dict[str, float]:
    with receiver._lock:
        got = [(r.at, orjson.loads(r.body)) for r in receiver.requests]
    return {body["event"]: at for at, body in got if body["data"].get("payment", {}).get("id") == payment_id}


def _assert_in_order(arrived: dict[str, float]) -> None:
    assert set(arrived) == {"payment.created", "payment.pending", "payment.success"}, arrived
    first_answered = max(arrived["payment.created"], arrived["payment.pending"]) + ANSWER_AFTER
    assert arrived["payment.success"] >= first_answered - 0.05, arrived  # sent once those were answered


async def _run_its_job(db: Database, payment: dict) -> None:
    """What its job does: send the events written with it (held for it), settle, send the outcome."""
    rows = await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment["id"]})
    assert await processing.run_payment(payment["id"], [r["id"] for r in rows], held_until=rows[0]["claimed_until"])


async def _overdue_payment(
    db: Database, merchant: MerchantInfo, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict, datetime]:
    """A payment past the sweeper's slack, the queue quiet (the sweeper takes all that is due)."""
    monkeypatch.setattr(sweeper, "last_task_started", float("-inf"))
    payment = await _pay(merchant)
    overdue = utcnow() - timedelta(seconds=10)
    await db.execute("UPDATE payments SET process_after = :t WHERE id = :p", {"t": overdue, "p": payment["id"]})
    return payment, overdue


async def _status(db: Database, payment: dict) -> str:
    return (await db.fetch_one("SELECT status FROM payments WHERE id = :p", {"p": payment["id"]}))["status"]


async def test_the_job_sends_the_outcome_after_the_first_events(
    db: Database, merchant: MerchantInfo, receiver: Receiver
) -> None:
    receiver.delay = ANSWER_AFTER
    payment = await _pay(merchant)
    await _run_its_job(db, payment)
    _assert_in_order(_arrivals(receiver, payment["id"]))


async def test_the_sweeper_sends_a_dropped_job_outcome_after_its_first_events(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.delay = ANSWER_AFTER
    payment, _ = await _overdue_payment(db, merchant, monkeypatch)
    # Its job was lost with its claim released (as when the ring fails): all of it is due now.
    await db.execute("UPDATE webhook_logs SET claimed_until = NULL WHERE payment_id = :p", {"p": payment["id"]})
    await sweeper.sweep_once()
    _assert_in_order(_arrivals(receiver, payment["id"]))


async def test_the_sweeper_leaves_a_late_job_its_payment_while_its_first_events_are_held(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job that is alive but late (a backlog after an outage) still holds its first events: a
    sweeper pass in another worker must not settle the payment and send its outcome before them."""
    receiver.delay = ANSWER_AFTER
    payment, _ = await _overdue_payment(db, merchant, monkeypatch)
    await sweeper.sweep_once()
    assert await _status(db, payment) == "pending" and _arrivals(receiver, payment["id"]) == {}
    await _run_its_job(db, payment)  # the late job then runs: everything arrives, in order
    _assert_in_order(_arrivals(receiver, payment["id"]))


async def test_the_sweeper_takes_a_lost_job_once_its_claim_ran_out(
    db: Database, merchant: MerchantInfo, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.delay = ANSWER_AFTER
    payment, overdue = await _overdue_payment(db, merchant, monkeypatch)
    # Its job was lost with the message (Redis restarted empty): the claim runs out.
    await db.execute(
        "UPDATE webhook_logs SET claimed_until = :t WHERE payment_id = :p", {"t": overdue, "p": payment["id"]}
    )
    await sweeper.sweep_once()
    assert await _status(db, payment) == "success"
    _assert_in_order(_arrivals(receiver, payment["id"]))
