"""Dependency checks for /health: database, Redis, workers."""

from __future__ import annotations

import asyncio

from paygate_app.core.db import get_db
from paygate_app.core.heartbeat import workers_alive
from paygate_app.core.settings import settings


async def database_ok() -> bool:
    try:
        db = await get_db()
        return await asyncio.wait_for(db.fetch_one("SELECT 1 AS ok"), timeout=3) is not None
    except Exception:
        return False


async def redis_state() -> str:
    if not settings.redis_url:
        return "not_configured"
    import redis.asyncio as aioredis

    client = aioredis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.ping()
        return "connected"
    except Exception:
        return "disconnected"
    finally:
        await client.aclose()


async def worker_state() -> str:
    try:
        return "running" if await workers_alive() > 0 else "stopped"
    except Exception:
        return "stopped"
