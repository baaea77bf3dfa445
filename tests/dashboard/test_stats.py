"""Dashboard stats computed in SQL: totals, success rate, daily volume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paygate_app.core import stats
from paygate_app.core.db import utcnow
from paygate_app.core.merchants import TEST_MERCHANT, register_merchant

MID = TEST_MERCHANT["id"]
_seq = iter(range(1, 10**6))


async def add_payment(db, *, amount: int, status: str, created_at: datetime, merchant_id: str = MID) -> None:
    n = next(_seq)
    order_id, payment_id = f"order_{n:016d}", f"pay_{n:016d}"
    await db.execute(
        """INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at)
           VALUES (:id, :m, :a, 'INR', NULL, '{}', 'created', :t, :t)""",
        {"id": order_id, "m": merchant_id, "a": amount, "t": created_at},
    )
    await db.execute(
        """INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method, status,
               captured, force_fail, vpa, process_after, created_at, updated_at)
           VALUES (:id, :o, :m, :a, 0, 'INR', 'upi', :s, FALSE, FALSE, 'a@upi', :t, :t, :t)""",
        {"id": payment_id, "o": order_id, "m": merchant_id, "a": amount, "s": status, "t": created_at},
    )


async def test_totals_with_no_payments_are_zero(db) -> None:
    totals = await stats.totals(MID)
    assert totals == stats.Totals(total_transactions=0, successful=0, total_amount=0, success_rate=0.0)


async def test_totals_count_all_sum_successful(db) -> None:
    now = utcnow()
    for amount, status in [(50000, "success"), (25050, "success"), (10000, "failed"), (7000, "pending")]:
        await add_payment(db, amount=amount, status=status, created_at=now)
    totals = await stats.totals(MID)
    assert totals.total_transactions == 4
    assert totals.successful == 2
    assert totals.total_amount == 75050
    assert totals.success_rate == 50.0


async def test_totals_ignore_other_merchants(db) -> None:
    other = await register_merchant(name="Other", email="other@example.com", password="secret12")
    await add_payment(db, amount=10000, status="success", created_at=utcnow(), merchant_id=other.merchant.id)
    assert (await stats.totals(MID)).total_transactions == 0
    assert (await stats.totals(other.merchant.id)).total_amount == 10000


async def test_success_rate_rounds_to_one_decimal(db) -> None:
    now = utcnow()
    for status in ["success", "success", "failed"]:
        await add_payment(db, amount=100, status=status, created_at=now)
    assert (await stats.totals(MID)).success_rate == 66.7


async def test_daily_volume_buckets_utc_days_and_fills_gaps(db) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    await add_payment(db, amount=10000, status="success", created_at=datetime(2026, 3, 10, 0, 0, 1, tzinfo=UTC))
    await add_payment(db, amount=5000, status="success", created_at=datetime(2026, 3, 10, 11, 59, tzinfo=UTC))
    await add_payment(db, amount=7000, status="success", created_at=datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC))
    await add_payment(db, amount=9999, status="failed", created_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    await add_payment(db, amount=1234, status="success", created_at=now - timedelta(days=30))  # outside the window
    days = await stats.daily_volume(MID, days=3, now=now)
    assert [(d.day.isoformat(), d.amount, d.count) for d in days] == [
        ("2026-03-08", 7000, 1),
        ("2026-03-09", 0, 0),
        ("2026-03-10", 15000, 2),
    ]


async def test_daily_volume_default_is_fourteen_days_ending_today(db) -> None:
    days = await stats.daily_volume(MID)
    assert len(days) == stats.DEFAULT_DAYS
    assert days[-1].day == utcnow().date()
