"""SQLModel tables: the schema Alembic migrates. Hot paths query them with plain SQL (core/db.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

TS = sa.DateTime(timezone=True)


def ts_column(*, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(TS, nullable=nullable, index=index)


class Merchant(SQLModel, table=True):
    __tablename__ = "merchants"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=255)
    api_key: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    api_secret_hash: str = Field(max_length=128)
    api_secret_last4: str = Field(max_length=4)
    webhook_secret: str = Field(max_length=128)
    webhook_url: str | None = Field(default=None, max_length=2048)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (sa.Index("ix_orders_merchant_created", "merchant_id", "created_at"),)

    id: str = Field(primary_key=True, max_length=32)
    merchant_id: str = Field(foreign_key="merchants.id", max_length=36)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    receipt: str | None = Field(default=None, max_length=40)
    notes: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    # Hosted checkout's "Return to merchant" target (http(s), like a webhook URL).
    callback_url: str | None = Field(default=None, max_length=2048)
    status: str = Field(max_length=16)
    # Payments created on this order, counted in the create statement under the order's row lock.
    payment_attempts: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    __table_args__ = (
        sa.Index("ix_payments_merchant_created", "merchant_id", "created_at"),
        sa.Index("ix_payments_status", "status"),
        sa.Index("ix_payments_order", "order_id"),
        # At most one successful payment per order, whatever the race.
        sa.Index(
            "uq_payments_order_success",
            "order_id",
            unique=True,
            sqlite_where=sa.text("status = 'success'"),
            postgresql_where=sa.text("status = 'success'"),
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    order_id: str = Field(foreign_key="orders.id", max_length=32)
    merchant_id: str = Field(foreign_key="merchants.id", max_length=36)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    amount_refunded: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    method: str = Field(max_length=8)
    status: str = Field(max_length=16)
    captured: bool = Field(default=False)
    force_fail: bool = Field(default=False)
    vpa: str | None = Field(default=None, max_length=255)
    card_network: str | None = Field(default=None, max_length=16)
    card_last4: str | None = Field(default=None, max_length=4)
    error_code: str | None = Field(default=None, max_length=64)
    error_description: str | None = Field(default=None, max_length=255)
    process_after: datetime = Field(sa_column=ts_column())
    claimed_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    __table_args__ = (
        sa.Index("ix_refunds_payment_id", "payment_id"),
        sa.Index("ix_refunds_merchant_created", "merchant_id", "created_at"),
        sa.Index("ix_refunds_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=32)
    payment_id: str = Field(foreign_key="payments.id", max_length=32)
    merchant_id: str = Field(foreign_key="merchants.id", max_length=36)
    amount: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    reason: str | None = Field(default=None, max_length=255)
    status: str = Field(max_length=16)
    process_after: datetime = Field(sa_column=ts_column())
    claimed_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    processed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())


class WebhookLog(SQLModel, table=True):
    __tablename__ = "webhook_logs"
    __table_args__ = (
        sa.Index("ix_webhook_logs_merchant_created", "merchant_id", "created_at"),
        sa.Index("ix_webhook_logs_status", "status"),
        sa.Index("ix_webhook_logs_created", "created_at"),  # retention walks the oldest first
        sa.Index(
            "ix_webhook_logs_due",
            "next_retry_at",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    merchant_id: str = Field(foreign_key="merchants.id", max_length=36)
    event: str = Field(max_length=64)
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(max_length=16)
    attempts: int = Field(default=0)
    url: str = Field(max_length=2048)
    payment_id: str | None = Field(default=None, max_length=32)
    refund_id: str | None = Field(default=None, max_length=32)
    response_code: int | None = Field(default=None)
    next_retry_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    last_attempt_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    claimed_until: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(sa_column=ts_column())
    updated_at: datetime = Field(sa_column=ts_column())


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.UniqueConstraint("log_id", "attempt", name="uq_webhook_attempts_log_attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    log_id: str = Field(foreign_key="webhook_logs.id", max_length=36)
    attempt: int
    response_code: int | None = Field(default=None)
    error: str | None = Field(default=None, max_length=255)
    response_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    duration_ms: int = Field(default=0)
    created_at: datetime = Field(sa_column=ts_column())


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.Index("ix_idempotency_keys_expires", "expires_at"),)

    merchant_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status: str = Field(max_length=16)
    owner: str | None = Field(default=None, max_length=32)  # the request holding a 'processing' key
    response_status: int | None = Field(default=None)
    response_body: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    created_at: datetime = Field(sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    name: str = Field(primary_key=True, max_length=128)
    beat_at: datetime = Field(sa_column=ts_column())


class DashboardSession(SQLModel, table=True):
    __tablename__ = "dashboard_sessions"

    token_hash: str = Field(primary_key=True, max_length=64)
    merchant_id: str = Field(foreign_key="merchants.id", max_length=36, index=True)
    created_at: datetime = Field(sa_column=ts_column())
    expires_at: datetime = Field(sa_column=ts_column())
