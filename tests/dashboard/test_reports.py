"""Dashboard list queries (core/reports.py) on SQLite and PostgreSQL: search, dates, refund state,
CSV batches; and net volume (core/stats.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from paygate_app.core import reports, stats
from paygate_app.core.db import utcnow
from paygate_app.core.merchants import TEST_MERCHANT, register_merchant
from paygate_app.core.pagination import Page

MID = TEST_MERCHANT["id"]
PAGE = Page(limit=100, offset=0)
_seq = iter(range(1, 10**6))


async def add_payment(
    db,
    *,
    amount: int = 10000,
    status: str = "success",
    refunded: int = 0,
    created_at: datetime | None = None,
    vpa: str | None = "a@upi",
    last4: str | None = None,
    receipt: str | None = None,
    merchant_id: str = MID,
) -> str:
    n = next(_seq)
    order_id, payment_id = f"order_{n:016d}", f"pay_{n:016d}"
    at = created_at or utcnow()
    await db.execute(
        """INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at)
           VALUES (:id, :m, :a, 'INR', :r, '{}', 'created', :t, :t)""",
        {"id": order_id, "m": merchant_id, "a": amount, "r": receipt, "t": at},
    )
    method = "card" if last4 else "upi"
    await db.execute(
        """INSERT INTO payments (id, order_id, merchant_id, amount, amount_refunded, currency, method, status,
               captured, force_fail, vpa, card_network, card_last4, process_after, created_at, updated_at)
           VALUES (:id, :o, :m, :a, :rf, 'INR', :method, :s, FALSE, FALSE, :vpa, :net, :l4, :t, :t, :t)""",
        {
            "id": payment_id,
            "o": order_id,
            "m": merchant_id,
            "a": amount,
            "rf": refunded,
            "method": method,
            "s": status,
            "vpa": None if last4 else vpa,
            "net": "visa" if last4 else None,
            "l4": last4,
            "t": at,
        },
    )
    return payment_id


async def ids(filters: reports.Filters) -> set[str]:
    rows, total = await reports.list_payments(merchant_id=MID, page=PAGE, filters=filters)
    assert total == len(rows)
    return {r["id"] for r in rows}


async def test_search_matches_id_prefix_vpa_last4_and_receipt(db) -> None:
    by_vpa = await add_payment(db, vpa="asha@okaxis")
    by_card = await add_payment(db, last4="4242")
    by_receipt = await add_payment(db, receipt="rcpt_77")
    assert await ids(reports.Filters(search="asha@okaxis")) == {by_vpa}
    assert await ids(reports.Filters(search="4242")) == {by_card}
    assert await ids(reports.Filters(search="rcpt_77")) == {by_receipt}
    assert await ids(reports.Filters(search=by_card)) == {by_card}
    assert await ids(reports.Filters(search="pay_0")) == {by_vpa, by_card, by_receipt}  # an id prefix
    assert await ids(reports.Filters(search="pay_%")) == set()  # LIKE wildcards are literal


async def test_date_range_includes_both_days(db) -> None:
    today = utcnow()
    old = await add_payment(db, created_at=today - timedelta(days=3))
    new = await add_payment(db, created_at=today)
    assert await ids(reports.Filters(date_to=(today - timedelta(days=3)).date())) == {old}
    assert await ids(reports.Filters(date_from=today.date(), date_to=today.date())) == {new}
    assert await ids(reports.Filters(date_from=today.date() + timedelta(days=1))) == set()


async def test_refund_filter_and_net_volume(db) -> None:
    full = await add_payment(db, amount=10000, refunded=10000)
    part = await add_payment(db, amount=20000, refunded=5000)
    kept = await add_payment(db, amount=30000)
    await add_payment(db, amount=99999, status="failed")
    assert await ids(reports.Filters(refund="full")) == {full}
    assert await ids(reports.Filters(refund="partial")) == {part}
    assert await ids(reports.Filters(refund="any")) == {full, part}
    assert kept in await ids(reports.Filters(refund="none"))
    totals = await stats.totals(MID)
    assert (totals.total_amount, totals.refunded, totals.net) == (60000, 15000, 45000)
    assert (totals.total_transactions, totals.successful) == (4, 3)


async def test_export_batches_walk_every_row_once_newest_first(db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reports, "EXPORT_BATCH", 3)
    at = utcnow()
    made = [await add_payment(db, created_at=at - timedelta(seconds=i // 2)) for i in range(8)]  # ties included
    other = await register_merchant(name="Other", email="other-rep@example.com", password="secret12")
    await add_payment(db, merchant_id=other.merchant.id)
    seen = []
    async for batch in reports.payment_batches(merchant_id=MID, filters=reports.Filters()):
        assert len(batch) <= 3
        seen.extend(r["id"] for r in batch)
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    listed, _ = await reports.list_payments(merchant_id=MID, page=PAGE, filters=reports.Filters())
    assert seen == [r["id"] for r in listed]
