"""Idempotency keys: begin() → Started | Replay, then finish() stores the response.

Scoped to the merchant, kept 24 h. The primary key (merchant_id, key) makes the first
INSERT the only winner, so N concurrent identical requests create exactly one resource.

Keys sent to public (anonymous) endpoints live in a scope of their own per order,
`public_scope(merchant_id, order_id)`, stored in the same `merchant_id` column: a version-5
UUID, which never equals a merchant's id (version 4), so an anonymous caller can neither see
nor burn a key the merchant uses on authenticated routes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

import orjson

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, IdempotencyConflict, IdempotencyKeyReused

TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255


_PUBLIC_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "paygate:idempotency:public")


@dataclass(frozen=True)
class Started:
    scope: str  # the merchant's id, or public_scope() for a public endpoint
    key: str


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


def request_fingerprint(path: str, body: bytes) -> str:
    """Same path + same JSON (key order and whitespace aside) → same fingerprint."""
    try:
        canonical = orjson.dumps(orjson.loads(body or b"null"), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(path.encode() + b"\n" + canonical).hexdigest()


def public_scope(merchant_id: str, order_id: str) -> str:
    """The key space of a public endpoint: this merchant's order, apart from the merchant's own keys."""
    return str(uuid.uuid5(_PUBLIC_NAMESPACE, f"{merchant_id}\n{order_id}"))


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


async def begin(
    *, merchant_id: str, key: str, fingerprint: str, public_order_id: str | None = None
) -> Started | Replay:
    """Claim `key` for this request; `public_order_id` puts it in that order's public scope."""
    key = check_key(key)
    scope = merchant_id if public_order_id is None else public_scope(merchant_id, public_order_id)
    db = await get_db()
    for _ in range(2):
        now = utcnow()
        won = await db.fetch_one(
            """INSERT INTO idempotency_keys (merchant_id, key, request_hash, status, created_at, expires_at)
               VALUES (:m, :k, :h, 'processing', :now, :exp) ON CONFLICT DO NOTHING RETURNING key""",
            {"m": scope, "k": key, "h": fingerprint, "now": now, "exp": now + TTL},
        )
        if won is not None:
            return Started(scope, key)
        row = await db.fetch_one(
            """SELECT request_hash, status, response_status, response_body, created_at, expires_at
               FROM idempotency_keys WHERE merchant_id = :m AND key = :k""",
            {"m": scope, "k": key},
        )
        if row is None:
            continue
        abandoned = row["status"] == "processing" and row["created_at"] < now - ABANDONED_AFTER
        if row["expires_at"] < now or abandoned:
            await db.execute(
                "DELETE FROM idempotency_keys WHERE merchant_id = :m AND key = :k AND created_at = :c",
                {"m": scope, "k": key, "c": row["created_at"]},
            )
            continue
        if row["request_hash"] != fingerprint:
            raise IdempotencyKeyReused("Idempotency-Key was already used with a different request body")
        if row["status"] == "processing":
            raise IdempotencyConflict("A request with this Idempotency-Key is still being processed")
        return Replay(status=int(row["response_status"]), body=(row["response_body"] or "").encode())
    raise IdempotencyConflict("A request with this Idempotency-Key is still being processed")


async def finish(started: Started, *, status: int, body: bytes) -> None:
    """Store a 2xx/4xx response for replay; forget the key after a 5xx so it can be retried."""
    db = await get_db()
    params = {"m": started.scope, "k": started.key}
    if status >= 500:
        await db.execute("DELETE FROM idempotency_keys WHERE merchant_id = :m AND key = :k", params)
        return
    await db.execute(
        """UPDATE idempotency_keys SET status = 'done', response_status = :s, response_body = :b
           WHERE merchant_id = :m AND key = :k""",
        {**params, "s": status, "b": body.decode()},
    )


async def purge_expired() -> int:
    db = await get_db()
    return await db.execute("DELETE FROM idempotency_keys WHERE expires_at < :now", {"now": utcnow()})
