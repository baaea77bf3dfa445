"""Merchants: register, log in, authenticate API calls, seed the test merchant."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from paygate_app.core import lockout
from paygate_app.core.db import Executor, get_db, utcnow
from paygate_app.core.errors import AuthenticationFailed, BadRequest, NotFound
from paygate_app.core.hashing import (
    hash_password,
    hash_password_async,
    keyed_hash,
    secret_matches,
    verify_password_async,
)
from paygate_app.core.ids import new_uuid, random_alnum
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.signing import new_secret

TEST_MERCHANT = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Test Merchant",
    "email": "test@example.com",
    "password": "test123",
    "api_key": "key_test_abc123",
    "api_secret": "secret_test_xyz789",
    "webhook_secret": "whsec_test_abc123",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AUTH_CACHE_SECONDS = 5.0
# New passwords (the seeded test merchant's contract password is seeded, not registered).
PASSWORD_MIN = 8
PASSWORD_MAX = 128


@dataclass(frozen=True)
class Merchant:
    id: str
    name: str
    email: str
    api_key: str


@dataclass(frozen=True)
class NewCredentials:
    merchant: Merchant
    api_secret: str
    webhook_secret: str


def new_webhook_secret() -> str:
    return new_secret()  # `whsec_` + base64 of 32 random bytes (Standard Webhooks)


def _merchant(row: dict) -> Merchant:
    return Merchant(id=row["id"], name=row["name"], email=row["email"], api_key=row["api_key"])


def _validate_registration(name: str, email: str) -> str:
    name = name.strip()
    email = email.strip().lower()
    if not name or len(name) > 200:
        raise BadRequest("name is required (at most 200 characters)")
    if not _EMAIL.match(email) or len(email) > 254:
        raise BadRequest("email is not a valid email address")
    return email


def password_problem(password: str) -> str | None:
    """Why a new password is refused (shown as is by the API and the register page), else None."""
    if len(password) < PASSWORD_MIN or len(password) > PASSWORD_MAX:
        return f"password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"
    if not password.strip():
        return "password must not be blank"
    return None


async def register_merchant(*, name: str, email: str, password: str) -> NewCredentials:
    email = _validate_registration(name, email)
    if problem := password_problem(password):
        db = await get_db()
        # A taken email is reported as such whatever the password (the contract's message).
        if await db.fetch_one("SELECT 1 AS taken FROM merchants WHERE email = :email", {"email": email}):
            raise BadRequest("Email already registered")
        raise BadRequest(problem)
    password_hash = await hash_password_async(password)
    api_key = "key_" + random_alnum(24)
    api_secret = "secret_" + random_alnum(32)
    webhook_secret = new_webhook_secret()
    now = utcnow()
    db = await get_db()
    row = await db.fetch_one(
        """INSERT INTO merchants (id, name, email, password_hash, api_key, api_secret_hash,
               api_secret_last4, webhook_secret, webhook_url, is_active, created_at, updated_at)
           VALUES (:id, :name, :email, :password_hash, :api_key, :api_secret_hash, :last4,
               :webhook_secret, NULL, TRUE, :now, :now)
           ON CONFLICT (email) DO NOTHING
           RETURNING id, name, email, api_key""",
        {
            "id": new_uuid(),
            "name": name.strip(),
            "email": email,
            "password_hash": password_hash,
            "api_key": api_key,
            "api_secret_hash": keyed_hash(api_secret),
            "last4": api_secret[-4:],
            "webhook_secret": webhook_secret,
            "now": now,
        },
    )
    if row is None:
        raise BadRequest("Email already registered")
    return NewCredentials(merchant=_merchant(row), api_secret=api_secret, webhook_secret=webhook_secret)


async def login_merchant(*, email: str, password: str) -> Merchant:
    await lockout.ensure_unlocked(email)
    db = await get_db()
    row = await db.fetch_one(
        "SELECT id, name, email, api_key, password_hash FROM merchants WHERE email = :email AND is_active",
        {"email": email.strip().lower()},
    )
    if not await verify_password_async(row["password_hash"] if row else None, password) or row is None:
        await lockout.record_failure(email)
        raise AuthenticationFailed("Invalid email or password")
    await lockout.clear(email)
    return _merchant(row)


_auth_cache: dict[str, tuple[float, dict]] = {}


async def _merchant_row_by_key(api_key: str) -> dict | None:
    hit = _auth_cache.get(api_key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    db = await get_db()
    row = await db.fetch_one(
        "SELECT id, name, email, api_key, api_secret_hash FROM merchants WHERE api_key = :k AND is_active",
        {"k": api_key},
    )
    if row is not None:
        if len(_auth_cache) > 10_000:
            _auth_cache.clear()
        _auth_cache[api_key] = (now + _AUTH_CACHE_SECONDS, row)
    return row


def forget_cached_key(api_key: str) -> None:
    _auth_cache.pop(api_key, None)


async def authenticate(api_key: str | None, api_secret: str | None) -> Merchant:
    """The merchant owning this key pair, or AuthenticationFailed (constant-time compare)."""
    if not api_key or not api_secret:
        raise AuthenticationFailed("Missing X-Api-Key or X-Api-Secret")
    row = await _merchant_row_by_key(api_key)
    if row is None or not secret_matches(api_secret, row["api_secret_hash"]):
        raise AuthenticationFailed("Invalid API key or secret")
    return _merchant(row)


async def merchant_by_key(api_key: str) -> Merchant:
    """For public endpoints: the key alone identifies the merchant (no secret)."""
    row = await _merchant_row_by_key(api_key)
    if row is None:
        raise AuthenticationFailed("Invalid API key")
    return _merchant(row)


async def get_merchant(merchant_id: str, conn: Executor | None = None) -> dict:
    db = conn or await get_db()
    row = await db.fetch_one(
        """SELECT id, name, email, api_key, api_secret_last4, webhook_secret, webhook_url, created_at
           FROM merchants WHERE id = :id""",
        {"id": merchant_id},
    )
    if row is None:
        raise NotFound("Merchant not found")
    return row


async def regenerate_api_secret(merchant_id: str) -> str:
    secret = "secret_" + random_alnum(32)
    db = await get_db()
    row = await db.fetch_one(
        """UPDATE merchants SET api_secret_hash = :h, api_secret_last4 = :l4, updated_at = :now
           WHERE id = :id RETURNING api_key""",
        {"h": keyed_hash(secret), "l4": secret[-4:], "now": utcnow(), "id": merchant_id},
    )
    if row is None:
        raise NotFound("Merchant not found")
    forget_cached_key(row["api_key"])
    return secret


async def seed_test_merchant() -> bool:
    """Create the contract's test merchant if missing; running it again changes nothing.

    Its credentials are published (README): production seeds it only with SEED_TEST_MERCHANT=true
    set explicitly, and says so loudly every time.
    """
    if settings.is_production:
        logging.getLogger("paygate.merchants").warning(
            "SEED_TEST_MERCHANT=true in production: the test merchant %s with its PUBLISHED credentials "
            "(API key %s) can log in and call the API. Unset SEED_TEST_MERCHANT unless this is a demo.",
            TEST_MERCHANT["email"],
            TEST_MERCHANT["api_key"],
        )
    t = TEST_MERCHANT
    now = utcnow()
    db = await get_db()
    row = await db.fetch_one(
        """INSERT INTO merchants (id, name, email, password_hash, api_key, api_secret_hash,
               api_secret_last4, webhook_secret, webhook_url, is_active, created_at, updated_at)
           VALUES (:id, :name, :email, :ph, :api_key, :sh, :l4, :ws, NULL, TRUE, :now, :now)
           ON CONFLICT DO NOTHING RETURNING id""",
        {
            "id": t["id"],
            "name": t["name"],
            "email": t["email"],
            "ph": hash_password(t["password"]),
            "api_key": t["api_key"],
            "sh": keyed_hash(t["api_secret"]),
            "l4": t["api_secret"][-4:],
            "ws": t["webhook_secret"],
            "now": now,
        },
    )
    return row is not None
