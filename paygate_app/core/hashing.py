"""Password hashing (argon2) and keyed hashes for API secrets and session tokens.

argon2 is slow on purpose (~0.2 s of CPU). It never runs on the event loop: `hash_password_async` and
`verify_password_async` hand it to a small thread pool (argon2-cffi releases the GIL, so the loop keeps
serving `/health`, payments and pages meanwhile). The pool has a bounded queue: when
`_MAX_WAITING` hashes are already running or waiting, the next caller gets `HashingBusy`
(503 SERVICE_UNAVAILABLE with Retry-After) at once instead of queueing without end.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paygate_app.core.errors import ServiceUnavailable
from paygate_app.core.settings import settings

T = TypeVar("T")

_hasher = PasswordHasher()
# A valid hash to verify against when the email is unknown, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("paygate-dummy-password")

# Half the cores (at least one): the other half stays free for the event loop and the database.
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
_WORKERS = max(1, min(4, _CPUS // 2))
_MAX_WAITING = 8 * _WORKERS  # running + queued; ~1.6 s of work per worker at most
_pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="paygate-argon2")
_lock = threading.Lock()
_waiting = 0


class HashingBusy(ServiceUnavailable):
    """Too many password checks queued in this process; try again shortly."""

    def __init__(self) -> None:
        super().__init__("Too many sign-in attempts are being processed; try again in a moment")
        self.retry_after = 1


def _release(_: Future) -> None:
    global _waiting
    with _lock:
        _waiting -= 1


async def _off_loop(fn: Callable[..., T], *args: str) -> T:
    """Run `fn(*args)` in the hashing pool; refuse at once when its queue is full."""
    global _waiting
    with _lock:
        if _waiting >= _MAX_WAITING:
            raise HashingBusy()
        _waiting += 1
    future = _pool.submit(fn, *args)
    # Released when the work is done, even if the caller stopped waiting (its thread still ran).
    future.add_done_callback(_release)
    return await asyncio.wrap_future(future)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    """Blocking: only for start-up code before requests are served (the seed). Requests use
    `hash_password_async`."""
    return _hasher.hash(password)


async def hash_password_async(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """True only for a real hash that matches; an unknown user costs the same time (dummy hash)."""
    return await _off_loop(_verify, password_hash, password)


def keyed_hash(secret: str) -> str:
    """HMAC-SHA256 of a secret under the server key: what we store instead of the secret."""
    return hmac.new(settings.paygate_server_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(keyed_hash(secret), stored_hash)
