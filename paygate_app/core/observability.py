"""Structured logs and process-local metrics. No FastAPI, no Reflex: the core and workers use it too.

Logs: `configure_logging()` writes one JSON object per line to stderr with the fields
`ts, level, logger, message` plus `request_id` / `payment_id` (and any other field bound with
`log_context(...)` or passed as `extra=`). `PAYGATE_LOG_FORMAT=text` keeps plain lines for
development; `PAYGATE_LOG_LEVEL` sets the level (default INFO).

Metrics: the objects below live in prometheus-client. Under Granian's several worker processes
(and the taskiq workers) each process has its own memory, so when `PROMETHEUS_MULTIPROC_DIR` is
set (scripts/run.sh and the Docker image set it up) every value is kept in a per-process mmap file
and `/metrics` sums the files of every process that shares the directory. Without it (one
process: tests, `make dev`) they are plain in-memory values. File names carry the host name as
well as the pid, so containers that share one volume never write to each other's files.

What is true for the whole system (payments by status, queue depth, webhook attempts by
outcome, sweeper lag) is read from the database at scrape time instead — see `metrics_snapshot()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics, values

from paygate_app.core.settings import settings

MULTIPROC_DIR = settings.prometheus_multiproc_dir
_HOST = socket.gethostname().replace("_", "-")[:48] or "host"


def _process_identifier() -> str:
    # Distinct across containers sharing the metrics volume (their pids overlap), fork-aware.
    return f"{_HOST}-{os.getpid()}"


disable_created_metrics()  # no `_created` twin for every counter and histogram

if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    values.ValueClass = values.MultiProcessValue(_process_identifier)


# --- metric objects ---------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "paygate_http_requests",
    "HTTP requests served, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "paygate_http_request_duration_seconds",
    "Time from request start to the end of the response body, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
PAYMENT_TRANSITIONS = Counter(
    "paygate_payment_transitions",
    "Payment state changes seen by this host's processes (created, success, failed, captured).",
    ["status"],
)
WEBHOOK_ATTEMPT_SECONDS = Histogram(
    "paygate_webhook_attempt_duration_seconds",
    "Duration of webhook delivery attempts made by this host's workers, by outcome.",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
SWEEP_SECONDS = Histogram(
    "paygate_sweep_duration_seconds",
    "Duration of one sweeper pass.",
    buckets=LATENCY_BUCKETS,
)
SWEEP_JOBS = Counter("paygate_sweep_jobs", "Jobs the sweeper found due and ran.")
SWEEP_LAST_RUN = Gauge(
    "paygate_sweeper_last_run_timestamp_seconds",
    "Unix time of the last finished sweeper pass on this host (the newest of all processes).",
    multiprocess_mode="max",
)

WEBHOOK_OUTCOMES = ("success", "http_error", "timeout", "network_error")


def webhook_outcome(response_code: int | None, error: str | None) -> str:
    """Classify one delivery attempt; the same rule as the SQL behind `paygate_webhook_attempts`."""
    if response_code is not None:
        return "success" if 200 <= response_code < 300 else "http_error"
    if error and error.startswith("Timed out"):
        return "timeout"
    return "network_error"


def observe_webhook_attempt(outcome: str, seconds: float | None = None) -> None:
    """Call once per delivery attempt (after it is recorded), e.g.
    `observe_webhook_attempt(webhook_outcome(r.response_code, r.error), r.duration_ms / 1000)`."""
    WEBHOOK_ATTEMPT_SECONDS.labels(outcome if outcome in WEBHOOK_OUTCOMES else "network_error").observe(
        max(seconds or 0.0, 0.0)
    )


def observe_payment(status: str) -> None:
    """Call when a payment is created (`"pending"`) or settles (`"success"` / `"failed"`)."""
    PAYMENT_TRANSITIONS.labels(status).inc()


def observe_sweep(*, jobs: int, seconds: float) -> None:
    """Call at the end of each sweeper pass."""
    SWEEP_SECONDS.observe(max(seconds, 0.0))
    if jobs:
        SWEEP_JOBS.inc(jobs)
    SWEEP_LAST_RUN.set(time.time())


# --- system-wide values, read from the database at scrape time ----------------------------

_SNAPSHOT_SQL = """
SELECT
  (SELECT COUNT(*) FROM worker_heartbeats WHERE beat_at > :alive_after) AS workers_alive,
  (SELECT MAX(beat_at) FROM worker_heartbeats) AS last_beat,
  (SELECT MIN(process_after) FROM payments WHERE status = 'pending' AND process_after <= :now) AS p_due,
  (SELECT MIN(process_after) FROM refunds WHERE status = 'pending' AND process_after <= :now) AS r_due,
  (SELECT MIN(next_retry_at) FROM webhook_logs WHERE status = 'pending' AND next_retry_at <= :now
      AND (claimed_until IS NULL OR claimed_until <= :now)) AS w_due
"""
_ATTEMPTS_SQL = """
SELECT CASE
         WHEN response_code BETWEEN 200 AND 299 THEN 'success'
         WHEN response_code IS NOT NULL THEN 'http_error'
         WHEN error LIKE :timed_out THEN 'timeout'
         ELSE 'network_error'
       END AS outcome, COUNT(*) AS n
FROM webhook_attempts GROUP BY 1
"""


def _age_seconds(when: datetime | str | None, now: datetime) -> float:
    if when is None:
        return 0.0
    if isinstance(when, str):  # SQLite returns aggregates of DATETIME columns as text
        when = datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((now - when).total_seconds(), 0.0)


async def metrics_snapshot() -> dict[str, Any]:
    """Everything `/metrics` reports from the database, in three queries.

    `sweeper_lag_seconds` is how late the oldest due job is (a pending payment or refund past its
    processing time, or a webhook past its retry time that nobody holds): about 0 while workers keep
    up, growing when none run.
    """
    from paygate_app.core.db import get_db, utcnow
    from paygate_app.core.heartbeat import ALIVE_WITHIN
    from paygate_app.core.queue_stats import queue_counts

    db = await get_db()
    now = utcnow()
    payments = await db.fetch_all("SELECT status, COUNT(*) AS n FROM payments GROUP BY status")
    refunds = await db.fetch_all("SELECT status, COUNT(*) AS n FROM refunds GROUP BY status")
    attempts = await db.fetch_all(_ATTEMPTS_SQL, {"timed_out": "Timed out%"})
    row = await db.fetch_one(_SNAPSHOT_SQL, {"now": now, "alive_after": now - ALIVE_WITHIN}) or {}
    last_beat = row.get("last_beat")
    return {
        "payments": {r["status"]: int(r["n"]) for r in payments},
        "refunds": {r["status"]: int(r["n"]) for r in refunds},
        "queues": await queue_counts(),
        "webhook_attempts": {o: 0 for o in WEBHOOK_OUTCOMES} | {r["outcome"]: int(r["n"]) for r in attempts},
        "workers_alive": int(row.get("workers_alive") or 0),
        "heartbeat_age_seconds": _age_seconds(last_beat, now) if last_beat is not None else None,
        "sweeper_lag_seconds": max(_age_seconds(row.get(k), now) for k in ("p_due", "r_due", "w_due")),
    }


# --- structured logs ------------------------------------------------------------------------

_log_fields: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("paygate_log_fields", default={})  # noqa: B039
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def bind_log_fields(**fields: Any) -> contextvars.Token:
    """Add fields (request_id, payment_id, ...) to every log line of this task; returns the reset token."""
    return _log_fields.set({**_log_fields.get(), **{k: v for k, v in fields.items() if v is not None}})


def reset_log_fields(token: contextvars.Token) -> None:
    _log_fields.reset(token)


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """`with log_context(payment_id=pid): ...` — the fields appear on every line logged inside."""
    token = bind_log_fields(**fields)
    try:
        yield
    finally:
        _log_fields.reset(token)


def current_log_fields() -> dict[str, Any]:
    return dict(_log_fields.get())


def current_request_id() -> str | None:
    return _log_fields.get().get("request_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, bound fields, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_log_fields.get())
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _log_fields.get().items())
        return f"{line} [{fields}]" if fields else line


_HANDLER_NAME = "paygate-structured"


def configure_logging(*, fmt: str | None = None, level: str | None = None, stream: Any = None) -> logging.Handler:
    """Install one stderr handler on the root logger (idempotent: a second call replaces it)."""
    fmt = (fmt or settings.paygate_log_format or "json").lower()
    level = (level or settings.paygate_log_level or "INFO").upper()
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    if fmt == "text":
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))  # one line per webhook POST
    return handler
