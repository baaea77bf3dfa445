"""An event's body is built before its write (core/payment_create.py, core/payment_settle.py
`_plan`): what it says must be the payment row the write left, on SQLite and PostgreSQL, and a
write whose planned values no longer hold writes nothing wrong."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from webhook_support import MerchantInfo

from paygate_app.core import orders, payment_settle, processing
from paygate_app.core.db import Database, utcnow
from paygate_app.core.methods import ALWAYS_FAIL_VPA
from paygate_app.core.orders import create_order
from paygate_app.core.payment_rows import COLUMNS, payment_public
from paygate_app.core.payments import create_payment
from paygate_app.core.settings import settings
from paygate_app.core.webhooks import config

pytestmark = pytest.mark.asyncio

UPI_OK = {"method": "upi", "vpa": "shopper@okbank"}
UPI_FAILS = {"method": "upi", "vpa": ALWAYS_FAIL_VPA}
CARD = {"method": "card", "card": {"number": "4111111111111111", "expiry_month": 12, "expiry_year": 2030, "cvv": "123"}}


@pytest.fixture(autouse=True)
def no_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "test_processing_delay", 0)


async def _row(db: Database, payment_id: str) -> dict:
    row = await db.fetch_one(f"SELECT {COLUMNS} FROM payments WHERE id = :id", {"id": payment_id})
    assert row is not None
    return row


async def _bodies(db: Database, payment_id: str) -> dict[str, dict]:
    logs = await db.fetch_all("SELECT event, payload FROM webhook_logs WHERE payment_id = :p", {"p": payment_id})
    return {log["event"]: orjson.loads(log["payload"]) for log in logs}


async def _settle(db: Database, payment_id: str) -> None:
    rows = await db.fetch_all("SELECT id, claimed_until FROM webhook_logs WHERE payment_id = :p", {"p": payment_id})
    await processing.run_payment(payment_id, [r["id"] for r in rows], held_until=rows[0]["claimed_until"])


@pytest.mark.parametrize("method", [UPI_OK, UPI_FAILS, CARD], ids=["upi-success", "upi-failed", "card"])
async def test_each_body_is_the_row_its_write_left(db: Database, merchant: MerchantInfo, method: dict) -> None:
    order = await create_order(merchant_id=merchant.id, amount=43210, currency="INR")
    payment = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **method})
    created_row = payment_public(await _row(db, payment["id"]))
    bodies = await _bodies(db, payment["id"])
    assert set(bodies) == {"payment.created", "payment.pending"}
    for body in bodies.values():
        assert body["data"]["payment"] == created_row
        assert body["data"]["payment"]["amount"] == 43210

    await _settle(db, payment["id"])
    settled_row = await _row(db, payment["id"])
    outcome = f"payment.{settled_row['status']}"
    bodies = await _bodies(db, payment["id"])
    assert set(bodies) == {"payment.created", "payment.pending", outcome}
    assert bodies[outcome]["data"]["payment"] == payment_public(settled_row)


async def test_an_approved_payment_of_a_paid_order_says_why_it_failed(db: Database, merchant: MerchantInfo) -> None:
    order = await create_order(merchant_id=merchant.id, amount=5000)
    first, second = [
        await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **UPI_OK}) for _ in range(2)
    ]
    await _settle(db, first["id"])
    await _settle(db, second["id"])
    row = await _row(db, second["id"])
    assert (row["status"], row["error_description"]) == ("failed", "Order has already been paid")
    assert (await _bodies(db, second["id"]))["payment.failed"]["data"]["payment"] == payment_public(row)


async def test_an_order_changed_by_hand_is_read_again(db: Database, merchant: MerchantInfo) -> None:
    """The amount kept for an order is only a plan: the write checks it against the locked row."""
    order = await create_order(merchant_id=merchant.id, amount=5000)  # kept by this process: 5000
    await db.execute("UPDATE orders SET amount = 7000 WHERE id = :id", {"id": order["id"]})
    payment = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **UPI_OK})
    assert payment["amount"] == 7000
    for body in (await _bodies(db, payment["id"])).values():
        assert body["data"]["payment"]["amount"] == 7000
    assert (await orders.order_values([order["id"]]))[order["id"]] == (7000, "INR")


async def test_a_settlement_of_a_row_that_changed_since_it_was_read_writes_nothing(
    db: Database, merchant: MerchantInfo
) -> None:
    order = await create_order(merchant_id=merchant.id, amount=5000)
    payment = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **UPI_OK})
    read = await _row(db, payment["id"])
    await db.execute(
        "UPDATE payments SET updated_at = :at WHERE id = :id", {"at": utcnow() + timedelta(seconds=1), "id": read["id"]}
    )
    now = utcnow()
    item = payment_settle.Settlement(
        payment_id=read["id"], order_id=order["id"], approved=True, error_code=None, error_description=None,
        at=now, held_until=now, row=read,
    )  # fmt: skip
    assert await payment_settle.settle_set([item]) == [None]
    assert (await _row(db, payment["id"]))["status"] == "pending"
    assert set(await _bodies(db, payment["id"])) == {"payment.created", "payment.pending"}

    fresh = payment_settle.Settlement(**{**item.__dict__, "row": await _row(db, payment["id"])})
    [settled] = await payment_settle.settle_set([fresh])
    assert settled is not None and settled.row["status"] == "success"
    assert (await _bodies(db, payment["id"]))["payment.success"]["data"]["payment"] == payment_public(
        await _row(db, payment["id"])
    )


async def test_a_merchant_that_got_a_webhook_url_elsewhere_gets_its_events(
    db: Database, merchant: MerchantInfo
) -> None:
    """Bodies are planned only for a merchant with a webhook URL, as this process last saw it; a
    URL set by another process (here: straight in the database) is found by the write."""
    await db.execute("UPDATE merchants SET webhook_url = NULL WHERE id = :id", {"id": merchant.id})
    config.forget_hooks(merchant.id)
    order = await create_order(merchant_id=merchant.id, amount=5000)
    quiet = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **UPI_OK})
    assert await _bodies(db, quiet["id"]) == {}
    assert (await config.has_webhook_url([merchant.id]))[merchant.id] is False  # kept: no URL

    url = "http://127.0.0.1:9/hooks"
    await db.execute("UPDATE merchants SET webhook_url = :u WHERE id = :id", {"u": url, "id": merchant.id})
    order = await create_order(merchant_id=merchant.id, amount=6000)
    payment = await create_payment(merchant_id=merchant.id, body={"order_id": order["id"], **UPI_OK})
    bodies = await _bodies(db, payment["id"])
    assert set(bodies) == {"payment.created", "payment.pending"}
    assert bodies["payment.created"]["data"]["payment"] == payment_public(await _row(db, payment["id"]))
    count = await db.fetch_one("SELECT COUNT(*) AS n FROM payments WHERE order_id = :o", {"o": order["id"]})
    assert count is not None and count["n"] == 1  # planned again, written once
