"""`alembic upgrade head` then `alembic check` (no drift) on SQLite and PostgreSQL; same tables on both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from paygate_app.core.db import sqlalchemy_url as sync_url
from tests.support.databases import ROOT, create_pg_database, drop_pg_database, migrate

ALEMBIC = str(Path(sys.executable).parent / "alembic")


def _check(url: str) -> str:
    env = dict(os.environ, DATABASE_URL=url)
    out = subprocess.run([ALEMBIC, "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


def _schema(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(sync_url(url))
    inspector = sa.inspect(engine)
    schema = {t: sorted(c["name"] for c in inspector.get_columns(t)) for t in inspector.get_table_names()}
    indexes = {
        t: sorted(
            {i["name"] for i in inspector.get_indexes(t)} | {u["name"] for u in inspector.get_unique_constraints(t)}
        )
        for t in inspector.get_table_names()
    }
    engine.dispose()
    return {"columns": schema, "indexes": indexes}  # type: ignore[dict-item]


def test_migrations_have_no_drift_and_match_across_databases(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'm.db'}"
    pg_url = create_pg_database("paygate_migrate")
    try:
        migrate(sqlite_url)
        migrate(pg_url)
        assert "No new upgrade operations detected" in _check(sqlite_url)
        assert "No new upgrade operations detected" in _check(pg_url)
        lite, pg = _schema(sqlite_url), _schema(pg_url)
        assert lite["columns"] == pg["columns"]
        named = {t: {n for n in names if n} for t, names in lite["indexes"].items()}
        for table, names in pg["indexes"].items():
            assert {n for n in names if not n.endswith("_key")} <= named[table] | {None}, table
        assert "ix_refunds_payment_id" in pg["indexes"]["refunds"]
        assert "ix_webhook_logs_due" in pg["indexes"]["webhook_logs"]
    finally:
        drop_pg_database(pg_url)
