"""Rate limits with the `limits` package: Redis storage when REDIS_URL is set, memory otherwise.

- per API key on the authenticated API (`RATE_LIMIT_API_KEY`, default 100/second);
- per merchant on `POST /api/v1/webhooks/test` (`RATE_LIMIT_WEBHOOK_TEST`, default 20 per 10 s);
- per client IP on the public checkout endpoints, login/register and failed API authentication
  (`RATE_LIMIT_IP`, default 20/second per scope).

A refusal is `RateLimited` → 429 `RATE_LIMITED` with `Retry-After` (seconds until the window
resets). A broken limiter store never takes payments down: the request is let through and the
failure logged. Memory storage counts per process (each Granian worker has its own budget).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import FixedWindowRateLimiter

from paygate_app.core.errors import RateLimited
from paygate_app.core.lockout import new_storage
from paygate_app.core.settings import settings

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


def client_ip(request: Request) -> str:
    """The peer address. X-Forwarded-For is not trusted: behind a proxy, configure the server to
    rewrite the peer address from the proxy's header instead."""
    return request.client.host if request.client else "unknown"


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
    """`scope` separates budgets: "public" (checkout), "auth" (login/register), "auth-failure"."""
    await _hit(settings.rate_limit_ip, "ip", scope, ip)


async def limit_webhook_test(merchant_id: str) -> None:
    """Test events per merchant: each one is an outgoing request to the merchant's receiver."""
    await _hit(settings.rate_limit_webhook_test, "webhook-test", merchant_id)
