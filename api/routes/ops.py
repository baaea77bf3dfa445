"""Operations: health, job and queue status."""

from __future__ import annotations

from fastapi import APIRouter

from api.responses import answers, json_response
from api.schemas import HealthOut, JobsStatusOut, QueueStatusOut
from paygate_app.core import health
from paygate_app.core.db import utcnow
from paygate_app.core.queue_stats import queue_counts, totals
from paygate_app.core.serialize import iso

router = APIRouter(tags=["operations"])


@router.get("/health", responses=answers(HealthOut))
@router.get("/api/v1/health", responses=answers(HealthOut), include_in_schema=False)
async def get_health():
    db_ok = await health.database_ok()
    redis = await health.redis_state()
    worker = await health.worker_state() if db_ok else "unknown"
    healthy = db_ok and redis != "disconnected"
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "database": "connected" if db_ok else "disconnected",
        "redis": redis,
        "worker": worker,
        "timestamp": iso(utcnow()),
    }
    return json_response(body, 200 if healthy else 503)


@router.get("/api/v1/test/jobs/status", responses=answers(JobsStatusOut))
async def jobs_status():
    counts = totals(await queue_counts())
    return json_response({**counts, "worker_status": await health.worker_state()})


@router.get("/api/v1/queue/status", responses=answers(QueueStatusOut))
async def queue_status():
    return json_response(await queue_counts())
