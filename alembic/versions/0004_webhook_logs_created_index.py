"""webhook_logs.created_at index, for retention

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 16:40:00

The sweeper deletes final webhook logs older than WEBHOOK_RETENTION_DAYS, oldest first, in
batches; this index lets each batch start at the oldest rows instead of scanning the table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_logs", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_logs_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_logs_created")
