"""GET /metrics: Prometheus text format.

Two sources, chosen per metric so every Granian worker answers the same thing:
- process-local instruments (HTTP requests and latency, webhook attempt and sweep durations):
  prometheus-client multiprocess mode, summed over every process sharing PROMETHEUS_MULTIPROC_DIR
  (in-memory values of this process when it is unset);
- system-wide state (payments and refunds by status, queue depth, webhook attempts by outcome,
  sweeper lag, live workers): read from the database at scrape time, so it covers every app and
  worker process on every host and survives restarts.

Set PAYGATE_METRICS_TOKEN to require `Authorization: Bearer <token>`. In production
(PAYGATE_ENV=production) /metrics is off (404) unless the token is set.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from api.responses import error_body, json_response
from paygate_app.core import observability
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.metrics")
router = APIRouter(tags=["operations"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Snapshot:
    """A collector that yields families computed before `generate_latest` runs (collect() is sync)."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> list[Metric]:
        return self._families


def database_families(snap: dict[str, Any]) -> list[Metric]:
    payments = GaugeMetricFamily("paygate_payments", "Payments by status (database).", labels=["status"])
    for status in sorted({"pending", "success", "failed"} | set(snap["payments"])):
        payments.add_metric([status], snap["payments"].get(status, 0))
    refunds = GaugeMetricFamily("paygate_refunds", "Refunds by status (database).", labels=["status"])
    for status in sorted({"pending", "processed"} | set(snap["refunds"])):
        refunds.add_metric([status], snap["refunds"].get(status, 0))
    depth = GaugeMetricFamily(
        "paygate_queue_depth",
        "Jobs not finished yet, per queue: pending = waiting for their time, processing = due or running.",
        labels=["queue", "state"],
    )
    jobs = GaugeMetricFamily(
        "paygate_queue_jobs", "Jobs per queue and state, as /api/v1/queue/status.", labels=["queue", "state"]
    )
    for queue, counts in snap["queues"].items():
        for state, n in counts.items():
            jobs.add_metric([queue, state], n)
            if state in ("pending", "processing"):
                depth.add_metric([queue, state], n)
    attempts = CounterMetricFamily(
        "paygate_webhook_attempts", "Webhook delivery attempts by outcome (database).", labels=["outcome"]
    )
    for outcome, n in snap["webhook_attempts"].items():
        attempts.add_metric([outcome], n)
    lag = GaugeMetricFamily(
        "paygate_sweeper_lag_seconds",
        "How late the oldest due job is (payment, refund or webhook past its time and not yet done).",
        value=snap["sweeper_lag_seconds"],
    )
    workers = GaugeMetricFamily(
        "paygate_workers_alive", "Worker processes with a heartbeat in the last 10 s.", value=snap["workers_alive"]
    )
    families: list[Metric] = [payments, refunds, depth, jobs, attempts, lag, workers]
    if snap["heartbeat_age_seconds"] is not None:
        families.append(
            GaugeMetricFamily(
                "paygate_worker_heartbeat_age_seconds",
                "Seconds since the newest worker heartbeat.",
                value=snap["heartbeat_age_seconds"],
            )
        )
    return families


def metrics_token() -> str:
    return settings.paygate_metrics_token


def token_matches(request: Request, token: str) -> bool:
    """`Authorization: Bearer <token>` (also guards /docs in production: api/docs_ui.py)."""
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _authorized(request: Request) -> bool:
    token = metrics_token()
    return not token or token_matches(request, token)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE: {}}}})
async def get_metrics(request: Request) -> Response:
    """Prometheus metrics for this deployment (see docs/DEPLOY.md)."""
    if settings.is_production and not metrics_token():
        return json_response(error_body("NOT_FOUND_ERROR", "No route /metrics"), 404)
    if not _authorized(request):
        return json_response(error_body("AUTHENTICATION_ERROR", "Metrics token required"), 401)
    if observability.MULTIPROC_DIR:
        local = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(local, path=observability.MULTIPROC_DIR)
    else:
        local = REGISTRY
    try:
        families = database_families(await observability.metrics_snapshot())
    except Exception:  # the database is down: process metrics still answer, paygate_database_up says why
        log.warning("metrics: database snapshot failed", exc_info=True)
        families = []
    families.append(
        GaugeMetricFamily("paygate_database_up", "1 if the database answered this scrape.", value=1 if families else 0)
    )
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Snapshot(families))
    return Response(generate_latest(local) + generate_latest(scrape), media_type=CONTENT_TYPE)
