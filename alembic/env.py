"""Alembic environment: the core's metadata, the core's database URL (SQLite or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlmodel import SQLModel

import paygate_app.core.models  # noqa: F401  (registers the tables)
from alembic import context
from paygate_app.core.db import sqlalchemy_url
from paygate_app.core.settings import Settings


def run_migrations() -> None:
    url = context.config.attributes.get("url") or Settings().effective_database_url
    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
