"""idempotency_keys.owner: the request that holds an in-progress key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 16:30:00

A key is claimed by one request (`owner`, a random token) for a short lease. The transaction that
creates the resource completes the key only while that request still owns it, so a request that
outlived its lease, and lost the key to a retry, creates nothing. Existing rows are either done
(owner unused) or abandoned in-progress claims (their lease has long run out).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("owner")
