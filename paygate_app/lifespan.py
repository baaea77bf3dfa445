"""App process start-up and shutdown: database, test merchant, broker (and in-process worker)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from paygate_app.core.db import close_db, get_db
from paygate_app.core.gc_tuning import tune_gc
from paygate_app.core.merchants import seed_test_merchant
from paygate_app.core.observability import configure_logging
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.app")


@contextlib.asynccontextmanager
async def paygate_lifespan() -> AsyncIterator[None]:
    from tasks.broker import broker

    configure_logging()
    settings.check_production()
    await get_db()
    if settings.seed_test_merchant:
        await seed_test_merchant()
    # In-process broker: this also starts the sweeper and heartbeat (the embedded worker).
    # Redis broker: producer side only; `taskiq worker tasks.broker:broker` does the work.
    await broker.startup()
    tune_gc()  # after start-up: what is alive now lives as long as the process
    log.info(
        "paygate started (db=%s, queue=%s)",
        "postgresql" if settings.is_postgres else "sqlite",
        "redis" if settings.redis_url else "in-process",
    )
    try:
        yield
    finally:
        await broker.shutdown()
        await close_db()
