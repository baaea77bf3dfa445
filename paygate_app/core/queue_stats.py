"""Queue counts per kind of work, read from the database (the source of truth)."""

from __future__ import annotations

from paygate_app.core.db import get_db, utcnow

_SQL = """
SELECT
  (SELECT COUNT(*) FROM payments WHERE status = 'pending' AND process_after > :now) AS p_pending,
  (SELECT COUNT(*) FROM payments WHERE status = 'pending' AND process_after <= :now) AS p_processing,
  (SELECT COUNT(*) FROM payments WHERE status = 'success') AS p_completed,
  (SELECT COUNT(*) FROM payments WHERE status = 'failed') AS p_failed,
  (SELECT COUNT(*) FROM refunds WHERE status = 'pending' AND process_after > :now) AS r_pending,
  (SELECT COUNT(*) FROM refunds WHERE status = 'pending' AND process_after <= :now) AS r_processing,
  (SELECT COUNT(*) FROM refunds WHERE status = 'processed') AS r_completed,
  (SELECT COUNT(*) FROM webhook_logs WHERE status = 'pending'
      AND (claimed_until IS NULL OR claimed_until <= :now)) AS w_pending,
  (SELECT COUNT(*) FROM webhook_logs WHERE status = 'pending' AND claimed_until > :now) AS w_processing,
  (SELECT COUNT(*) FROM webhook_logs WHERE status = 'success') AS w_completed,
  (SELECT COUNT(*) FROM webhook_logs WHERE status = 'failed') AS w_failed
"""


async def queue_counts() -> dict[str, dict[str, int]]:
    db = await get_db()
    row = await db.fetch_one(_SQL, {"now": utcnow()})
    assert row is not None
    r = {k: int(v or 0) for k, v in row.items()}
    return {
        "payments": {
            "pending": r["p_pending"],
            "processing": r["p_processing"],
            "completed": r["p_completed"],
            "failed": r["p_failed"],
        },
        "refunds": {
            "pending": r["r_pending"],
            "processing": r["r_processing"],
            "completed": r["r_completed"],
            "failed": 0,
        },
        "webhooks": {
            "pending": r["w_pending"],
            "processing": r["w_processing"],
            "completed": r["w_completed"],
            "failed": r["w_failed"],
        },
    }


def totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    keys = ("pending", "processing", "completed", "failed")
    return {k: sum(q[k] for q in counts.values()) for k in keys}
