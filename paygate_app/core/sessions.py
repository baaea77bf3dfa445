"""Dashboard sessions: a random token in the browser, only its keyed hash on the server.

The token lives in the browser only (localStorage, see paygate_app/state.py); the database row
and the Reflex state hold its keyed hash, so neither a database dump nor a stored Reflex state
can be turned back into a working token. Logging out deletes the row: every tab and every copy
of the token stop working at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.hashing import keyed_hash

SESSION_TTL = timedelta(days=7)
TOKEN_BYTES = 32
_MAX_TOKEN_LENGTH = 128


async def create_session(merchant_id: str) -> str:
    """A new session for the merchant; returns the token (shown to the browser only)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    db = await get_db()
    # Opportunistic clean-up of this merchant's expired sessions (merchant_id is indexed).
    await db.execute(
        "DELETE FROM dashboard_sessions WHERE merchant_id = :m AND expires_at <= :now",
        {"m": merchant_id, "now": now},
    )
    await db.execute(
        """INSERT INTO dashboard_sessions (token_hash, merchant_id, created_at, expires_at)
           VALUES (:h, :m, :now, :exp)""",
        {"h": keyed_hash(token), "m": merchant_id, "now": now, "exp": now + SESSION_TTL},
    )
    return token


def token_hash(token: str | None) -> str:
    """The keyed hash a session is stored (and looked up) under; "" for no or an absurd token."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return ""
    return keyed_hash(token)


async def resolve_session(token: str | None) -> dict | None:
    """The merchant (id, name, email, api_key, api_secret_last4) of a live session, else None."""
    return await resolve_session_hash(token_hash(token))


async def resolve_session_hash(session_hash: str) -> dict | None:
    """Like `resolve_session`, from the token's keyed hash (what the server side keeps)."""
    if not session_hash:
        return None
    db = await get_db()
    return await db.fetch_one(
        """SELECT m.id, m.name, m.email, m.api_key, m.api_secret_last4
           FROM dashboard_sessions s JOIN merchants m ON m.id = s.merchant_id
           WHERE s.token_hash = :h AND s.expires_at > :now AND m.is_active""",
        {"h": session_hash, "now": utcnow()},
    )


async def delete_session(token: str | None) -> None:
    """Log out: the token stops working immediately."""
    await delete_session_hash(token_hash(token))


async def delete_session_hash(session_hash: str) -> None:
    if not session_hash:
        return
    db = await get_db()
    await db.execute("DELETE FROM dashboard_sessions WHERE token_hash = :h", {"h": session_hash})
