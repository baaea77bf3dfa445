"""orders.payment_attempts: payments created per order, for the attempt cap

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 13:20:00

The create statement counts each new payment on its order under the order's row lock and
refuses the one past MAX_PAYMENT_ATTEMPTS_PER_ORDER. Existing orders start from the payments
they already have.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_attempts", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.execute(
        "UPDATE orders SET payment_attempts = (SELECT COUNT(*) FROM payments WHERE payments.order_id = orders.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payment_attempts")
