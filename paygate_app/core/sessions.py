"""Dashboard sessions: a random token in the browser, only its keyed hash in the database.

The token lives in a cookie the pages read (Reflex cookies are set from JavaScript, so they
cannot be HttpOnly); a stolen database row is useless without the token, and logging out
deletes the row, so a copied cookie stops working at once.
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


async def resolve_session(token: str | None) -> dict | None:
    """The merchant (id, name, email, api_key, api_secret_last4) of a live session, else None."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    db = await get_db()
    return await db.fetch_one(
        """SELECT m.id, m.name, m.email, m.api_key, m.api_secret_last4
           FROM dashboard_sessions s JOIN merchants m ON m.id = s.merchant_id
           WHERE s.token_hash = :h AND s.expires_at > :now AND m.is_active""",
        {"h": keyed_hash(token), "now": utcnow()},
    )


async def delete_session(token: str | None) -> None:
    """Log out: the token stops working immediately."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return
    db = await get_db()
    await db.execute("DELETE FROM dashboard_sessions WHERE token_hash = :h", {"h": keyed_hash(token)})
