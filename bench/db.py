"""Sync access to a stack's database from the benchmark process: seed orders, write bursts, read checks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import psycopg

MERCHANT_ID = "550e8400-e29b-41d4-a716-446655440000"  # the seeded test merchant


class DB:
    """Tiny sync access to the stack's database for setup and checks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql")

    def _conn(self):
        if self.pg:
            return psycopg.connect(self.url, autocommit=True)
        conn = sqlite3.connect(self.url.split("sqlite:///", 1)[1], timeout=60, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def _exec(self, conn, sql: str, params: tuple):
        return conn.execute(self._sql(sql), params) if params else conn.execute(self._sql(sql))

    def scalar(self, sql: str, params: tuple = ()):
        with self._conn() as conn:
            row = self._exec(conn, sql, params).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._conn() as conn:
            return list(self._exec(conn, sql, params).fetchall())

    def execute(self, sql: str, params: tuple = ()) -> None:
        conn = self._conn()
        try:
            self._exec(conn, sql, params)
        finally:
            conn.close()

    def ts(self, value: datetime):
        return value if self.pg else value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def insert_many(self, sql: str, rows: list[tuple]) -> None:
        conn = self._conn()
        try:
            if self.pg:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(self._sql(sql), rows)
            else:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, rows)
                conn.execute("COMMIT")
        finally:
            conn.close()

    def insert_orders(self, prefix: str, count: int) -> None:
        now = self.ts(datetime.now(UTC))
        rows = [(f"{prefix}{i:015d}", MERCHANT_ID, 50000, now, now) for i in range(count)]
        for i in range(0, count, 20000):
            self.insert_many(
                "INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at)"
                " VALUES (?, ?, ?, 'INR', 'bench', '{}', 'created', ?, ?)",
                rows[i : i + 20000],
            )
