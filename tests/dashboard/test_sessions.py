"""Dashboard sessions: random token out, keyed hash in, 7-day expiry, logout deletes."""

from __future__ import annotations

from datetime import timedelta

from paygate_app.core.db import utcnow
from paygate_app.core.hashing import keyed_hash
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.sessions import (
    SESSION_TTL,
    create_session,
    delete_session,
    delete_session_hash,
    resolve_session,
    resolve_session_hash,
    token_hash,
)

MID = TEST_MERCHANT["id"]


async def test_create_session_resolves_to_the_merchant(db) -> None:
    token = await create_session(MID)
    merchant = await resolve_session(token)
    assert merchant is not None
    assert merchant["id"] == MID
    assert merchant["email"] == TEST_MERCHANT["email"]
    assert merchant["api_secret_last4"] == TEST_MERCHANT["api_secret"][-4:]


async def test_create_session_stores_only_the_keyed_hash(db) -> None:
    token = await create_session(MID)
    rows = await db.fetch_all("SELECT token_hash, created_at, expires_at FROM dashboard_sessions")
    assert [r["token_hash"] for r in rows] == [keyed_hash(token)]
    assert token not in str(rows)
    lifetime = rows[0]["expires_at"] - rows[0]["created_at"]
    assert abs(lifetime - SESSION_TTL) < timedelta(seconds=1)


async def test_resolve_session_unknown_or_empty_token_is_none(db) -> None:
    assert await resolve_session("not-a-token") is None
    assert await resolve_session("") is None
    assert await resolve_session(None) is None
    assert await resolve_session("x" * 10_000) is None


async def test_resolve_session_expired_is_none(db) -> None:
    token = await create_session(MID)
    await db.execute(
        "UPDATE dashboard_sessions SET expires_at = :t WHERE token_hash = :h",
        {"t": utcnow() - timedelta(seconds=1), "h": keyed_hash(token)},
    )
    assert await resolve_session(token) is None


async def test_delete_session_logs_out_that_token_only(db) -> None:
    first = await create_session(MID)
    second = await create_session(MID)
    await delete_session(first)
    assert await resolve_session(first) is None
    assert await resolve_session(second) is not None


async def test_create_session_prunes_expired_rows_of_the_merchant(db) -> None:
    old = await create_session(MID)
    await db.execute(
        "UPDATE dashboard_sessions SET expires_at = :t WHERE token_hash = :h",
        {"t": utcnow() - timedelta(days=1), "h": keyed_hash(old)},
    )
    await create_session(MID)
    row = await db.fetch_one("SELECT COUNT(*) AS n FROM dashboard_sessions WHERE merchant_id = :m", {"m": MID})
    assert row["n"] == 1


async def test_resolve_session_hash_is_what_the_server_side_keeps(db) -> None:
    token = await create_session(MID)
    assert token_hash(token) == keyed_hash(token)
    assert (await resolve_session_hash(token_hash(token)))["id"] == MID
    assert await resolve_session_hash(token) is None  # the raw token is not a hash
    assert token_hash("x" * 10_000) == "" and await resolve_session_hash("") is None
    await delete_session_hash(token_hash(token))
    assert await resolve_session(token) is None
