"""Rate limits with the `limits` package: Redis storage when REDIS_URL is set, memory otherwise.

- per API key on the authenticated API (`RATE_LIMIT_API_KEY`, default 100/second);
- per client IP on the public checkout endpoints, login/register (API and dashboard pages), the
  demo store and failed API authentication (`RATE_LIMIT_IP`, default 20/second per scope).

A refusal is `RateLimited` → 429 `RATE_LIMITED` with `Retry-After` (seconds until the window
resets); the Reflex pages show its description. A broken limiter store never takes payments
down: the request is let through and the failure logged. Memory storage counts per process
(each Granian worker has its own budget). The HTTP side (`api/ratelimit.py`) only adds how a
request's client address is read.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref

from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter

from paygate_app.core.errors import RateLimited
from paygate_app.core.lockout import new_storage
from paygate_app.core.settings import settings

__all__ = ["RateLimited", "limit_api_key", "limit_ip", "reset"]

log = logging.getLogger("paygate.ratelimit")

# One limiter per event loop: the async Redis client and the memory store's locks belong to one loop.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FixedWindowRateLimiter] = weakref.WeakKeyDictionary()


def _limiter() -> FixedWindowRateLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = FixedWindowRateLimiter(new_storage())
    return limiter


def reset() -> None:
    """Forget every counter (tests)."""
    _limiters.clear()


async def _retry_after(limiter: FixedWindowRateLimiter, item: RateLimitItem, identifiers: tuple[str, ...]) -> int:
    try:
        stats = await limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))
    except Exception:
        return max(1, item.get_expiry())


async def _hit(rate: str, *identifiers: str) -> None:
    if not settings.rate_limit_enabled:
        return
    item = parse(rate)
    limiter = _limiter()
    try:
        allowed = await limiter.hit(item, *identifiers)
    except Exception:  # a broken limiter store must not take payments down
        log.warning("rate limiter store failed; request allowed", exc_info=True)
        return
    if not allowed:
        retry_after = await _retry_after(limiter, item, identifiers)
        raise RateLimited(f"Too many requests; retry in {retry_after} s", retry_after=retry_after)


async def limit_api_key(api_key: str) -> None:
    await _hit(settings.rate_limit_api_key, "key", api_key)


async def limit_ip(ip: str, scope: str) -> None:
    """`scope` separates budgets: "public" (checkout), "auth" (login/register), "auth-failure", "store"."""
    await _hit(settings.rate_limit_ip, "ip", scope, ip or "unknown")


async def limit_webhook_test(merchant_id: str) -> None:
    """Test events per merchant (API and dashboard): each one is an outgoing request to the merchant's receiver."""
    await _hit(settings.rate_limit_webhook_test, "webhook-test", merchant_id)
