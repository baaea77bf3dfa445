"""Dashboard numbers, computed in SQL: totals, success rate and daily volume.

- total transactions: every payment attempt of the merchant (pending, success, failed);
- total amount: the sum of successful payments (gross, before refunds), in paise;
- refunded: what was refunded from them (pending and processed refunds); net = total amount - refunded;
- success rate: successful / all attempts, in percent (0.0 when there are none);
- daily volume: per UTC day, the amount and count of successful payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from paygate_app.core.db import get_db, utcnow

DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Totals:
    total_transactions: int
    successful: int
    total_amount: int  # paise, gross
    success_rate: float  # percent, one decimal (0.0 with no attempts: pages show a dash then)
    refunded: int = 0  # paise
    net: int = 0  # paise


@dataclass(frozen=True)
class DayVolume:
    day: date
    amount: int  # paise
    count: int


async def totals(merchant_id: str) -> Totals:
    db = await get_db()
    row = await db.fetch_one(
        """SELECT COUNT(*) AS n,
                  COALESCE(SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END), 0) AS ok,
                  COALESCE(SUM(CASE WHEN status = 'success' THEN amount ELSE 0 END), 0) AS amount,
                  COALESCE(SUM(CASE WHEN status = 'success' THEN amount_refunded ELSE 0 END), 0) AS refunded
           FROM payments WHERE merchant_id = :m""",
        {"m": merchant_id},
    )
    n = int(row["n"]) if row else 0
    ok = int(row["ok"]) if row else 0
    amount = int(row["amount"]) if row else 0
    refunded = int(row["refunded"]) if row else 0
    rate = round(ok * 100.0 / n, 1) if n else 0.0
    return Totals(
        total_transactions=n,
        successful=ok,
        total_amount=amount,
        success_rate=rate,
        refunded=refunded,
        net=amount - refunded,
    )


def _day_expression(dialect: str) -> str:
    if dialect == "postgresql":
        return "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    # SQLite stores UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' (see core/db.py).
    return "substr(created_at, 1, 10)"


async def daily_volume(merchant_id: str, *, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[DayVolume]:
    """One entry per day for the last `days` UTC days (today included), zeros filled in."""
    days = max(1, min(days, 366))
    today = (now or utcnow()).date()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=(now or utcnow()).tzinfo)
    db = await get_db()
    day = _day_expression(db.dialect)
    rows = await db.fetch_all(
        f"""SELECT {day} AS day, COALESCE(SUM(amount), 0) AS amount, COUNT(*) AS n
            FROM payments
            WHERE merchant_id = :m AND status = 'success' AND created_at >= :start
            GROUP BY {day}""",
        {"m": merchant_id, "start": start},
    )
    by_day = {str(r["day"]): (int(r["amount"]), int(r["n"])) for r in rows}
    out = []
    for i in range(days):
        d = first + timedelta(days=i)
        amount, count = by_day.get(d.isoformat(), (0, 0))
        out.append(DayVolume(day=d, amount=amount, count=count))
    return out
