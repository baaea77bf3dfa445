"""One small async database API over PostgreSQL (psycopg 3 pool) and SQLite (aiosqlite).

SQL is written once with `:name` parameters; PostgreSQL-only clauses go through
`db.for_update` / `db.skip_locked`. Every statement outside `transaction()` autocommits,
so a single-statement request costs one round trip.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from paygate_app.core.batching import loop_batcher
from paygate_app.core.errors import ServiceUnavailable
from paygate_app.core.settings import settings

Row = dict[str, Any]
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"


class Executor(Protocol):
    dialect: str

    async def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None: ...
    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False
    ) -> list[Row]: ...
    async def execute(self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False) -> int: ...


Statement = tuple[str, dict[str, Any]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _to_pg(sql: str) -> str:
    return _PARAM.sub(r"%(\1)s", sql)


class PgExecutor:
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None:
        cur = await self._conn.execute(_pg_sql(sql), params or {})
        return await cur.fetchone()

    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False
    ) -> list[Row]:
        cur = await self._conn.execute(_pg_sql(sql, binary_params), params or {})
        return await cur.fetchall()

    async def execute(self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False) -> int:
        cur = await self._conn.execute(_pg_sql(sql, binary_params), params or {})
        return cur.rowcount


_pg_cache: dict[tuple[str, bool], str] = {}


_script_cache: dict[tuple[str, ...], str] = {}
BATCH_MAX_SCRIPTS = 32
SCRIPTS_IN_FLIGHT = 1000  # a new batch every loop turn, however many are running


def _pg_script(statements: list[Statement], prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One query text for several statements, each statement's `:name` renamed `{prefix}s{i}_name`."""
    key = (prefix, *(sql for sql, _ in statements))
    text = _script_cache.get(key)
    if text is None:
        parts = [_PARAM.sub(rf"%({prefix}s{i}_\1)s", sql.strip().rstrip(";")) for i, (sql, _) in enumerate(statements)]
        text = _script_cache[key] = ";\n".join(parts)
    params = {f"{prefix}s{i}_{name}": value for i, (_, p) in enumerate(statements) for name, value in p.items()}
    return text, params


def _pg_sql(sql: str, binary_params: bool = False) -> str:
    """`:name` → `%(name)s`, or `%(name)b` (sent in binary: arrays of long strings need no quoting)."""
    key = (sql, binary_params)
    converted = _pg_cache.get(key)
    if converted is None:
        converted = _pg_cache[key] = _PARAM.sub(r"%(\1)b", sql) if binary_params else _to_pg(sql)
    return converted


class PostgresDatabase:
    dialect = "postgresql"
    for_update = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str, *, max_size: int, timeout: float = 10.0) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        conninfo = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row, "prepare_threshold": 2},
            open=False,
            timeout=timeout,  # seconds a request waits for a connection, then 503 SERVICE_UNAVAILABLE
        )

    async def open(self) -> None:
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def _run(self, method: str, sql: str, params: dict[str, Any] | None, **options: Any) -> Any:
        import psycopg

        try:
            async with self._pool.connection() as conn:
                return await getattr(PgExecutor(conn), method)(sql, params, **options)
        except (psycopg.OperationalError, TimeoutError) as exc:
            raise ServiceUnavailable("Database unavailable") from exc
        except Exception as exc:  # pool timeouts have their own class
            if type(exc).__name__ == "PoolTimeout":
                raise ServiceUnavailable("Database unavailable") from exc
            raise

    async def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None:
        return await self._run("fetch_one", sql, params)

    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False
    ) -> list[Row]:
        """The rows; `binary_params` sends the values in binary (for sets passed as arrays: text
        arrays of JSON bodies cost ~16 µs of quoting per element, binary ones almost nothing)."""
        return await self._run("fetch_all", sql, params, binary_params=binary_params)

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        return await self._run("execute", sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """One transaction on one connection (BEGIN, each statement and COMMIT a round trip: the
        hot paths are single statements instead, which PostgreSQL runs as their own transaction)."""
        import psycopg

        try:
            async with self._pool.connection() as conn:
                async with conn.transaction():
                    yield PgExecutor(conn)
        except psycopg.OperationalError as exc:
            raise ServiceUnavailable("Database unavailable") from exc

    async def script(self, statements: list[Statement]) -> list[list[Row]]:
        """Run the statements in order in one transaction and one round trip; each one's rows.

        The statements go as one multi-statement simple query (values bound client-side by
        psycopg's own quoting), which PostgreSQL runs as a single implicit transaction: all
        or nothing. Each statement still takes its own snapshot, so a `FOR UPDATE` lock taken
        by one statement is seen by the next exactly as in an explicit transaction. Use it
        where no statement's parameters depend on an earlier statement's result.
        """

        text, params = _pg_script(statements)
        return await self._simple_query(text, params)

    async def _simple_query(self, text: str, params: dict[str, Any]) -> list[list[Row]]:
        import psycopg

        try:
            async with self._pool.connection() as conn:
                cur = psycopg.AsyncClientCursor(conn)
                await cur.execute(text, params)
                results: list[list[Row]] = []
                while True:
                    results.append(await cur.fetchall() if cur.description else [])
                    if not cur.nextset():
                        break
                return results
        except (psycopg.OperationalError, TimeoutError) as exc:
            raise ServiceUnavailable("Database unavailable") from exc
        except Exception as exc:
            if type(exc).__name__ == "PoolTimeout":
                raise ServiceUnavailable("Database unavailable") from exc
            raise

    async def script_batched(self, statements: list[Statement]) -> list[list[Row]]:
        """As script(), but the scripts submitted in the same event-loop turn run together
        (core/batching.py, a new batch every turn as before: up to BATCH_MAX_SCRIPTS scripts
        in one query, one round trip and one commit for all of them). If that combined
        transaction fails (a deadlock with another batch, a conflict in one script), nothing of
        it was written and each script runs again on its own, so every caller gets what
        script() would have given it."""
        batcher = loop_batcher(
            f"db-scripts-{id(self)}", self._run_scripts, max_batch=BATCH_MAX_SCRIPTS, max_in_flight=SCRIPTS_IN_FLIGHT
        )
        return await batcher.submit(statements)

    async def _run_scripts(self, items: list[list[Statement]]) -> list[list[list[Row]] | BaseException]:
        if len(items) > 1:
            texts, params = [], {}
            for j, statements in enumerate(items):
                text, p = _pg_script(statements, prefix=f"b{j}")
                texts.append(text)
                params.update(p)
            try:
                results = await self._simple_query(";\n".join(texts), params)
            except Exception:
                pass  # run each on its own below
            else:
                out: list[list[list[Row]] | BaseException] = []
                at = 0
                for statements in items:
                    out.append(results[at : at + len(statements)])
                    at += len(statements)
                return out
        singles: list[list[list[Row]] | BaseException] = []
        for statements in items:
            try:
                singles.append(await self.script(statements))
            except Exception as exc:
                singles.append(exc)  # this caller's own failure (core/batching.py raises it there)
        return singles


def _adapt_datetime(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime(_SQLITE_TS)


def _convert_datetime(raw: bytes) -> datetime:
    text = raw.decode()
    try:
        parsed = datetime.strptime(text, _SQLITE_TS)
    except ValueError:
        parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


sqlite3.register_adapter(datetime, _adapt_datetime)
sqlite3.register_converter("DATETIME", _convert_datetime)
sqlite3.register_converter("BOOLEAN", lambda raw: raw not in (b"0", b""))


class SqliteExecutor:
    dialect = "sqlite"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None:
        async with self._conn.execute(sql, params or {}) as cur:
            row = await cur.fetchone()
        return dict(row) if row is not None else None

    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False
    ) -> list[Row]:
        async with self._conn.execute(sql, params or {}) as cur:
            rows = await cur.fetchall()
        return [dict(r) for r in rows]

    async def execute(self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False) -> int:
        async with self._conn.execute(sql, params or {}) as cur:
            return cur.rowcount


class SqliteDatabase:
    """One connection, one writer at a time: transactions take BEGIN IMMEDIATE under a lock."""

    dialect = "sqlite"
    for_update = ""
    skip_locked = ""

    def __init__(self, url: str) -> None:
        self._path = url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        import aiosqlite

        conn = await aiosqlite.connect(
            self._path, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES, timeout=30
        )
        conn.row_factory = sqlite3.Row
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def fetch_one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None:
        async with self._lock:
            return await SqliteExecutor(self._conn).fetch_one(sql, params)

    async def fetch_all(
        self, sql: str, params: dict[str, Any] | None = None, *, binary_params: bool = False
    ) -> list[Row]:
        async with self._lock:
            return await SqliteExecutor(self._conn).fetch_all(sql, params)

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> int:
        async with self._lock:
            return await SqliteExecutor(self._conn).execute(sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteExecutor(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def script(self, statements: list[Statement]) -> list[list[Row]]:
        """The statements in order in one transaction; each one's rows (see PostgresDatabase.script)."""
        if len(statements) == 1:  # one statement is its own transaction
            return [await self.fetch_all(*statements[0])]
        async with self.transaction() as tx:
            return [await tx.fetch_all(sql, params) for sql, params in statements]

    script_batched = script  # one writer at a time: nothing to batch


Database = PostgresDatabase | SqliteDatabase
_db: Database | None = None
_db_loop: asyncio.AbstractEventLoop | None = None


def make_database(url: str | None = None) -> Database:
    url = url or settings.effective_database_url
    if url.startswith(("postgres://", "postgresql")):
        return PostgresDatabase(url, max_size=settings.db_pool_size, timeout=settings.db_pool_timeout)
    return SqliteDatabase(url)


async def get_db() -> Database:
    """The process-wide database for the running event loop, opened on first use."""
    global _db, _db_loop
    loop = asyncio.get_running_loop()
    if _db is None or _db_loop is not loop:
        db = make_database()
        await db.open()
        _db, _db_loop = db, loop
    return _db


async def close_db() -> None:
    global _db, _db_loop
    if _db is not None and _db_loop is asyncio.get_running_loop():
        await _db.close()
    _db, _db_loop = None, None


def sqlalchemy_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg 3 driver for PostgreSQL (Alembic, inspection)."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
