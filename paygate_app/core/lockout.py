"""Login lockout: too many failed logins for one email lock that email's logins for a while.

`RATE_LIMIT_LOGIN_FAILURES` (default "10/15 minutes", empty disables) is a moving window of
failures per email: once it is full, every login for that email (right password or not) gets
`LoginLocked` (429 RATE_LIMITED with Retry-After) until the oldest failure leaves the window.
A successful login clears the count. Emails are keyed by their keyed hash, never stored as is.

Counters live in Redis when REDIS_URL is set (shared by every process), in memory otherwise.
The per-IP limit on the login route slows a single attacker; this lock stops a distributed one
from guessing one merchant's password (at the price that it can lock that merchant out for the
window, the usual trade-off, documented in SECURITY.md).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from paygate_app.core.errors import RateLimited
from paygate_app.core.hashing import keyed_hash
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.lockout")
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MovingWindowRateLimiter] = weakref.WeakKeyDictionary()


class LoginLocked(RateLimited):
    """Refused before the password is even checked."""


def new_storage() -> Storage:
    """A `limits` async storage: Redis (redis-py client) when configured, else this process's memory."""
    if settings.redis_url:
        return storage_from_string("async+" + settings.redis_url, implementation="redispy")  # type: ignore[return-value]
    return MemoryStorage()


def _limiter() -> MovingWindowRateLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = MovingWindowRateLimiter(new_storage())
    return limiter


def reset() -> None:
    """Forget every lock (tests)."""
    _limiters.clear()


def _rule() -> RateLimitItem | None:
    rate = settings.rate_limit_login_failures.strip()
    return parse(rate) if rate else None


def _who(email: str) -> str:
    return keyed_hash("login:" + email.strip().lower())[:32]


async def ensure_unlocked(email: str) -> None:
    """Raise LoginLocked if this email has used up its failed attempts."""
    rule = _rule()
    if rule is None:
        return
    limiter, who = _limiter(), _who(email)
    try:
        if await limiter.test(rule, "login-failures", who):
            return
        stats = await limiter.get_window_stats(rule, "login-failures", who)
    except Exception:  # a broken store must not lock everyone out; the password is still checked
        log.warning("lockout store failed; login allowed", exc_info=True)
        return
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    minutes = max(1, math.ceil(wait / 60))
    raise LoginLocked(
        f"Too many failed login attempts for this account; try again in {minutes} minute{'s' * (minutes > 1)}",
        retry_after=wait,
    )


async def record_failure(email: str) -> None:
    rule = _rule()
    if rule is None:
        return
    try:
        await _limiter().hit(rule, "login-failures", _who(email))
    except Exception:
        log.warning("lockout store failed; failure not counted", exc_info=True)


async def clear(email: str) -> None:
    rule = _rule()
    if rule is None:
        return
    try:
        await _limiter().clear(rule, "login-failures", _who(email))
    except Exception:
        log.warning("lockout store failed; count not cleared", exc_info=True)
