"""Every delivered event carries `sequence`, its place in its payment's or refund's life, so a
receiver can order events that arrive out of order; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from webhook_support import MerchantInfo, Receiver

from paygate_app.core import processing
from paygate_app.core.db import Database
from paygate_app.core.methods import ALWAYS_FAIL_VPA
from paygate_app.core.orders import create_order
from paygate_app.core.payments import create_payment
from paygate_app.core.refunds import create_refund
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.delivery import deliver_now, retry_webhook

pytestmark = pytest.mark.asyncio


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "test_processing_delay", 0)


async def _log_ids(db: Database, refund_id: str) -> list[str]:
    rows = await db.fetch_all("SELECT id FROM webhook_logs WHERE refund_id = :r", {"r": refund_id})
    return [r["id"] for r in rows]


async def _settled_payment(db: Database, merchant: MerchantInfo, vpa: str) -> dict:
    """A payment created and settled by the job a worker runs, its events delivered."""
    order = await create_order(merchant_id=merchant.id, amount=50000)
    payment = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], "method": "upi", "vpa": vpa})
    rows = await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment["id"]})
    held = rows[0]["claimed_until"]  # written claimed for the job the create rang
    await processing.run_payment(payment["id"], [r["id"] for r in rows], held_until=held)
    return payment


def _delivered(receiver: Receiver, kind: str, object_id: str) -> list[dict]:
    bodies = [orjson.loads(b) for b in receiver.bodies]
    return [b for b in bodies if b["data"].get(kind, {}).get("id") == object_id]


@pytest.mark.parametrize(
    ("vpa", "outcome"), [("shopper@okbank", "payment.success"), (ALWAYS_FAIL_VPA, "payment.failed")]
)
async def test_payment_events_carry_their_place_in_the_payment_life(
    db: Database, merchant: MerchantInfo, receiver: Receiver, vpa: str, outcome: str
) -> None:
    payment = await _settled_payment(db, merchant, vpa)

    delivered = _delivered(receiver, "payment", payment["id"])
    assert sorted((b["sequence"], b["event"]) for b in delivered) == [
        (1, "payment.created"),
        (2, "payment.pending"),
        (3, outcome),
    ]
    # Ordered by sequence, the last event a receiver keeps is the payment's final state.
    latest = max(delivered, key=lambda b: b["sequence"])
    assert latest["data"]["payment"]["status"] == outcome.removeprefix("payment.")
    assert all(set(b) == {"event", "sequence", "timestamp", "data"} for b in delivered)


async def test_refund_events_carry_their_place_in_the_refund_life(
    db: Database, merchant: MerchantInfo, receiver: Receiver
) -> None:
    payment = await _settled_payment(db, merchant, "shopper@okbank")
    refunds = [await create_refund(merchant_id=merchant.id, payment_id=payment["id"], amount=1000) for _ in range(2)]
    written = [await _log_ids(db, r["id"]) for r in refunds]
    await asyncio.gather(*(processing.run_refund(r["id"], ids) for r, ids in zip(refunds, written, strict=True)))

    for refund in refunds:  # each refund counts on its own, apart from its payment and the other refund
        delivered = _delivered(receiver, "refund", refund["id"])
        assert sorted((b["sequence"], b["event"]) for b in delivered) == [
            (1, "refund.created"),
            (2, "refund.processed"),
        ]
    assert sorted(b["sequence"] for b in _delivered(receiver, "payment", payment["id"])) == [1, 2, 3]


async def test_a_manual_retry_resends_the_same_sequence(
    db: Database, merchant: MerchantInfo, receiver: Receiver
) -> None:
    payment = await _settled_payment(db, merchant, "shopper@okbank")
    [log] = await db.fetch_all(
        "SELECT id FROM webhook_logs WHERE payment_id = :p AND event = 'payment.success'", {"p": payment["id"]}
    )
    first = [b for b in receiver.bodies if b'"payment.success"' in b]

    await retry_webhook(log["id"], merchant.id)
    await deliver_now([log["id"]])

    again = [b for b in receiver.bodies if b'"payment.success"' in b]
    assert len(again) == 2 and again[0] == again[1] == first[0]
    assert orjson.loads(again[1])["sequence"] == 3
