"""What one payment or refund row shows, as strings: shared by the tables, detail panels and CSV export.

The API's `status` stays as the contract says (`success` stays `success` after a refund);
"Refunded" / "Partially refunded" are dashboard badges derived from `amount_refunded`.
"""

from __future__ import annotations

from paygate_app.components.dates import format_time_short
from paygate_app.components.money import format_inr

REFUND_BADGES = {"full": "Refunded", "partial": "Partially refunded"}

# (header, key) of the transactions table and its CSV export, in order.
PAYMENT_COLUMNS = (
    ("Payment", "id"),
    ("Order", "order_id"),
    ("Amount", "amount"),
    ("Refunded", "refunded"),
    ("Method", "method"),
    ("Details", "method_detail"),
    ("Status", "status"),
    ("Refund", "refund_badge"),
    ("Created (UTC)", "created_at"),
)
REFUND_COLUMNS = (
    ("Refund", "id"),
    ("Payment", "payment_id"),
    ("Amount", "amount"),
    ("Status", "status"),
    ("Reason", "reason"),
    ("Created (UTC)", "created_at"),
    ("Processed (UTC)", "processed_at"),
)


def refund_kind(amount: int, refunded: int) -> str:
    """'' (nothing refunded), 'partial' or 'full'."""
    if refunded <= 0:
        return ""
    return "full" if refunded >= amount else "partial"


def payment_row(row: dict) -> dict[str, str]:
    """The strings one transactions-table row shows."""
    if row["method"] == "upi":
        detail = row.get("vpa") or ""
    else:
        detail = f"{(row.get('card_network') or 'card').title()} •••• {row.get('card_last4') or ''}".strip()
    refunded = int(row.get("amount_refunded") or 0)
    kind = refund_kind(int(row["amount"]), refunded)
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "amount": format_inr(row["amount"]),
        "method": row["method"],
        "method_detail": detail,
        "status": row["status"],
        "created_at": format_time_short(row["created_at"]),
        "refunded": format_inr(refunded) if refunded else "—",
        "refund_badge": REFUND_BADGES.get(kind, ""),
    }


def refund_row(row: dict) -> dict[str, str]:
    """The strings one refunds-table row shows."""
    return {
        "id": row["id"],
        "payment_id": row["payment_id"],
        "amount": format_inr(row["amount"]),
        "status": row["status"],
        "reason": row.get("reason") or "",
        "created_at": format_time_short(row["created_at"]),
        "processed_at": format_time_short(row.get("processed_at")),
    }
