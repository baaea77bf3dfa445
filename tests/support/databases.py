"""Throwaway databases for tests: a migrated SQLite file and a migrated PostgreSQL database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

from paygate_app.core.models import SQLModel

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("PAYGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]


def migrate(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([str(Path(sys.executable).parent / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True)


def create_pg_database(prefix: str = "paygate_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def wipe(db) -> None:
    """Empty every table (per-test isolation)."""
    if db.dialect == "postgresql":
        await db.execute("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
    else:
        for table in TABLES:
            await db.execute(f"DELETE FROM {table}")
