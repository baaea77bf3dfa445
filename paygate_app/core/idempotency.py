"""Idempotency keys: begin() → Claim | Replay; the create's own transaction completes the claim.

Scoped to the merchant, kept 24 h. The primary key (merchant_id, key) makes the first
INSERT the only winner, so N concurrent identical requests create exactly one resource.

A key goes through two writes:
1. `begin()` claims it, autocommitted: status `processing`, `owner` a random token of this
   request, for a short lease (`IDEMPOTENCY_LEASE_SECONDS`). A duplicate meanwhile gets 409.
2. The transaction that creates the resource (order, payment, refund) completes the claim in
   that same transaction (`complete_in`): status `done` with the answer's status and exact bytes,
   only where `owner` is still this request's token (the row stays locked until the commit).
   The resource and its answer are committed together or not at all: a client whose answer was
   lost after the commit gets the original 201 back when it retries with the key.

A process that dies before its commit leaves only the in-progress claim; once its lease runs out
the next request with the key takes it over (a new token) and creates. A request that outlives its
lease and lost its key that way creates nothing (the token no longer matches) and answers 409.
Answers written outside a create transaction (4xx refusals, which create nothing) go through
`finish()`, fenced the same way; a 5xx releases the claim so the key can be retried at once.

Keys sent to public (anonymous) endpoints live in a scope of their own per order,
`public_scope(merchant_id, order_id)`, stored in the same `merchant_id` column: a version-5
UUID, which never equals a merchant's id (version 4), so an anonymous caller can neither see
nor burn a key the merchant uses on authenticated routes.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import orjson

from paygate_app.core.db import Executor, get_db, utcnow
from paygate_app.core.errors import BadRequest, IdempotencyConflict, IdempotencyKeyReused
from paygate_app.core.settings import settings

TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


_PUBLIC_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "paygate:idempotency:public")


@dataclass
class Claim:
    """This request's hold on a key. `recorded`: its answer is stored (set by the create that did it)."""

    scope: str  # the merchant's id, or public_scope() for a public endpoint
    key: str
    token: str  # `owner` in the row: only this request may complete the key
    recorded: bool = False


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


def lease() -> timedelta:
    return timedelta(seconds=settings.idempotency_lease_seconds)


async def begin(*, merchant_id: str, key: str, fingerprint: str, public_order_id: str | None = None) -> Claim | Replay:
    """Claim `key` for this request; `public_order_id` puts it in that order's public scope."""
    key = check_key(key)
    scope = merchant_id if public_order_id is None else public_scope(merchant_id, public_order_id)
    token = secrets.token_hex(16)
    db = await get_db()
    for _ in range(3):
        now = utcnow()
        won = await db.fetch_one(
            """INSERT INTO idempotency_keys (merchant_id, key, request_hash, status, owner, created_at, expires_at)
               VALUES (:m, :k, :h, 'processing', :t, :now, :exp) ON CONFLICT DO NOTHING RETURNING key""",
            {"m": scope, "k": key, "h": fingerprint, "t": token, "now": now, "exp": now + TTL},
        )
        if won is not None:
            return Claim(scope, key, token)
        row = await db.fetch_one(
            """SELECT request_hash, status, response_status, response_body, created_at, expires_at
               FROM idempotency_keys WHERE merchant_id = :m AND key = :k""",
            {"m": scope, "k": key},
        )
        if row is None:
            continue
        if row["expires_at"] < now:
            await db.execute(
                "DELETE FROM idempotency_keys WHERE merchant_id = :m AND key = :k AND expires_at < :now",
                {"m": scope, "k": key, "now": now},
            )
            continue
        if row["status"] == "processing" and row["created_at"] < now - lease():
            # The holder's lease ran out (its process died, or it is far too slow): take the key over.
            # Its create transaction, if it ever reaches the commit, finds another owner and writes nothing.
            taken = await db.fetch_one(
                """UPDATE idempotency_keys SET owner = :t, request_hash = :h, created_at = :now, expires_at = :exp
                   WHERE merchant_id = :m AND key = :k AND status = 'processing' AND created_at = :held_since
                   RETURNING key""",
                {"m": scope, "k": key, "t": token, "h": fingerprint, "now": now, "exp": now + TTL}
                | {"held_since": row["created_at"]},
            )
            if taken is not None:
                return Claim(scope, key, token)
            continue
        if row["request_hash"] != fingerprint:
            raise IdempotencyKeyReused("Idempotency-Key was already used with a different request body")
        if row["status"] == "processing":
            raise IdempotencyConflict("A request with this Idempotency-Key is still being processed")
        return Replay(status=int(row["response_status"]), body=(row["response_body"] or "").encode())
    raise IdempotencyConflict("A request with this Idempotency-Key is still being processed")


_COMPLETE = """UPDATE idempotency_keys SET status = 'done', response_status = :s, response_body = :b
   WHERE merchant_id = :m AND key = :k AND owner = :t AND status = 'processing'"""


# A key this request completed, for a statement that must run only then (in the same transaction).
KEY_DONE = "merchant_id = :km AND key = :kk AND owner = :kt AND status = 'done'"


def key_params(claim: Claim) -> dict[str, str]:
    return {"km": claim.scope, "kk": claim.key, "kt": claim.token}


def complete_statement(claim: Claim, *, status: int, body: bytes) -> tuple[str, dict]:
    """complete_in() as a statement for a script (core/db.py): it locks the key until the commit."""
    return _COMPLETE, {**_ids(claim), "s": status, "b": body.decode()}


async def complete_in(tx: Executor, claim: Claim, *, status: int, body: bytes) -> int:
    """Store the answer in the caller's transaction, if the key is still this request's: rows changed (0 or 1)."""
    return await tx.execute(_COMPLETE, {**_ids(claim), "s": status, "b": body.decode()})


def complete_from(source: str) -> str:
    """complete_in() over `source`, a relation `u` with the columns (m, k, t, s, b): the keys'
    scope, key, owner token, answer status and body (a create statement completes its keys with it)."""
    return f"""UPDATE idempotency_keys k SET status = 'done', response_status = u.s, response_body = u.b
   FROM {source}
   WHERE k.merchant_id = u.m AND k.key = u.k AND k.owner = u.t AND k.status = 'processing'"""


def key_taken() -> IdempotencyConflict:
    """This request outlived its lease and a retry with the key holds it now: this one created nothing."""
    return IdempotencyConflict("A request with this Idempotency-Key is still being processed")


async def finish(claim: Claim, *, status: int, body: bytes) -> None:
    """After the operation: store a 2xx/4xx answer it did not store itself; a 5xx releases the key."""
    if claim.recorded:
        return
    db = await get_db()
    if status >= 500:
        await release(claim)
        return
    await db.execute(_COMPLETE, {**_ids(claim), "s": status, "b": body.decode()})
    claim.recorded = True


async def release(claim: Claim) -> None:
    """Forget this request's in-progress claim (never a completed key), so the key can be retried now."""
    db = await get_db()
    await db.execute(
        "DELETE FROM idempotency_keys WHERE merchant_id = :m AND key = :k AND owner = :t AND status = 'processing'",
        _ids(claim),
    )


def _ids(claim: Claim) -> dict[str, str]:
    return {"m": claim.scope, "k": claim.key, "t": claim.token}


async def purge_expired() -> int:
    db = await get_db()
    return await db.execute("DELETE FROM idempotency_keys WHERE expires_at < :now", {"now": utcnow()})
