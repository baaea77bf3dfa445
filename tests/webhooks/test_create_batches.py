"""Payments created together (core/payment_create.py): the same answers as one at a time, on both databases."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from webhook_support import MerchantInfo, make_merchant, spy_on_set_sizes

from paygate_app.core import payment_create
from paygate_app.core.db import Database, utcnow
from paygate_app.core.errors import BadRequest, NotFound
from paygate_app.core.ids import new_payment_id
from paygate_app.core.orders import create_order
from paygate_app.core.payments import create_payment

pytestmark = pytest.mark.asyncio


@pytest.fixture
def set_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the sets created in one transaction (one statement on PostgreSQL)."""
    return spy_on_set_sizes(monkeypatch, payment_create, "create_set")


async def _pay(merchant_id: str, order_id: str) -> dict | Exception:
    try:
        return await create_payment(
            merchant_id=merchant_id, body={"order_id": order_id, "method": "upi", "vpa": "a@ok"}
        )
    except (BadRequest, NotFound) as exc:
        return exc


async def test_a_moment_of_creates_answers_each_as_alone(
    db: Database, merchant: MerchantInfo, set_sizes: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    other = await make_merchant(db, webhook_url=None)
    mine = [await create_order(merchant_id=merchant.id, amount=100 + n) for n in range(20)]
    theirs = await create_order(merchant_id=other.id, amount=999)
    paid = await create_order(merchant_id=merchant.id, amount=555)
    await db.execute("UPDATE orders SET status = 'paid' WHERE id = :id", {"id": paid["id"]})
    asks = [(merchant.id, o["id"]) for o in mine] + [(merchant.id, mine[0]["id"])]  # a second try of one order
    asks += [(merchant.id, theirs["id"]), (merchant.id, "order_doesnotexist00"), (merchant.id, paid["id"])]
    answers = await asyncio.gather(*(_pay(m, o) for m, o in asks))
    made, refused = answers[:21], answers[21:]
    assert [type(a) for a in refused] == [NotFound, NotFound, BadRequest]
    assert [a.description for a in refused] == ["Order not found", "Order not found", "Order is already paid"]
    for (_, order_id), payment, order in zip(asks[:21], made, [*mine, mine[0]], strict=True):
        assert isinstance(payment, dict), payment
        assert (payment["order_id"], payment["amount"], payment["status"]) == (order_id, order["amount"], "pending")
        logs = await db.fetch_all(
            "SELECT event, payload FROM webhook_logs WHERE payment_id = :p ORDER BY event", {"p": payment["id"]}
        )
        assert [r["event"] for r in logs] == ["payment.created", "payment.pending"]
        for log in logs:  # the order's amount and currency, as the row the statement inserted holds them
            sent = orjson.loads(log["payload"])["data"]["payment"]
            assert (sent["id"], sent["amount"], sent["currency"]) == (payment["id"], order["amount"], "INR")
            assert "~" not in log["payload"]
    count = await db.fetch_one("SELECT COUNT(*) AS n FROM payments")
    assert count["n"] == 21  # nothing for the refused ones
    assert max(set_sizes) > 1 and not [r for r in caplog.records if "creating one by one" in r.getMessage()]


async def test_a_set_refuses_orders_paid_or_foreign_under_the_lock(db: Database, merchant: MerchantInfo) -> None:
    """What the lock decides (an order paid, or not the merchant's, after the caller read it)."""
    other = await make_merchant(db, webhook_url=None)
    good, paid, theirs = [await create_order(merchant_id=merchant.id, amount=100) for _ in range(3)]
    await db.execute("UPDATE orders SET status = 'paid' WHERE id = :id", {"id": paid["id"]})
    await db.execute("UPDATE orders SET merchant_id = :m WHERE id = :id", {"m": other.id, "id": theirs["id"]})
    now = utcnow()

    def new(order_id: str) -> payment_create.NewPayment:
        return payment_create.NewPayment(
            payment_id=new_payment_id(), order_id=order_id, merchant_id=merchant.id, method="upi", force_fail=False,
            vpa="a@ok", card_network=None, card_last4=None, due=now, at=now, held_until=now,
        )  # fmt: skip

    items = [new(good["id"]), new(paid["id"]), new(theirs["id"]), new("order_doesnotexist00")]
    made, was_paid, foreign, missing = await payment_create._create_many(items)
    assert made.row is not None and made.row["id"] == items[0].payment_id and len(made.log_ids) == 2
    assert (was_paid.row, was_paid.locked_merchant_id) == (None, merchant.id)
    assert (foreign.row, foreign.locked_merchant_id, foreign.log_ids) == (None, other.id, [])
    assert (missing.row, missing.locked_merchant_id) == (None, None)
    assert [r["id"] for r in await db.fetch_all("SELECT id FROM payments")] == [items[0].payment_id]
