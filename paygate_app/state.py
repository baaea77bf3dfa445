"""The logged-in merchant: one small base State every dashboard page state inherits from.

Nothing secret lives in Reflex state (Reflex pickles every state, `_backend` vars included, to
`.states/` or Redis). The session token stays in the browser (localStorage, shared by the tabs
of one origin; it is handed over only as an event argument, which is never stored); the state
keeps the token's keyed hash, bound to the socket connection that proved it
(`router.session.session_id`). A copied state, or a stolen Reflex client token on a new
connection, therefore proves nothing: a new connection must show the browser's token again.

Every data handler calls `_require_merchant()`, which re-reads the session row: once any tab
logs out (the row is deleted), every other tab's next action sends it to /login. Live updates
are browser timer ticks (`components/paging.live_updates`), ordinary handlers that re-check it too.

Reveal-once secrets (the API secret after register / regenerate, a revealed webhook secret)
go to the browser as client-side values (`REVEALED_*.push(...)`), never into state.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from reflex.state import OnLoadInternalState

from paygate_app import routes
from paygate_app.core.ratelimit import limit_ip
from paygate_app.core.sessions import create_session, delete_session_hash, resolve_session_hash, token_hash

SESSION_STORAGE_KEY = "paygate_session"
MASK = "••••••••"

# Browser-only values (React state): what they hold is never part of the Reflex state.
REVEALED_API_SECRET = ClientStateVar.create("revealed_api_secret", "")
REVEALED_WEBHOOK_SECRET = ClientStateVar.create("revealed_webhook_secret", "")

_READ_TOKEN = f"window.localStorage.getItem({json.dumps(SESSION_STORAGE_KEY)}) || ''"
_FORGET_TOKEN = f"window.localStorage.removeItem({json.dumps(SESSION_STORAGE_KEY)})"


def mask_secret(last4: str) -> str:
    """What the dashboard shows instead of a secret: '••••••••z789'."""
    return MASK + (last4 or "")


def _store_token(token: str) -> rx.event.EventSpec:
    return rx.call_script(f"window.localStorage.setItem({json.dumps(SESSION_STORAGE_KEY)}, {json.dumps(token)})")


class AuthState(rx.State):
    """Who is logged in. Page states subclass it and call `_require_merchant()` in handlers."""

    merchant_id: str = ""
    merchant_name: str = ""
    merchant_email: str = ""
    api_key: str = ""
    api_secret_last4: str = ""
    # The session token's keyed hash (never the token) and the socket connection that proved it.
    _session_hash: str = ""
    _session_sid: str = ""
    # Set by register: the next dashboard load keeps the just-revealed API secret on screen once.
    _reveal_pending: bool = False

    def _set_merchant(self, row: dict | None) -> None:
        self.merchant_id = row["id"] if row else ""
        self.merchant_name = row["name"] if row else ""
        self.merchant_email = row["email"] if row else ""
        self.api_key = row["api_key"] if row else ""
        self.api_secret_last4 = (row.get("api_secret_last4") or "") if row else ""

    def _client_ip(self) -> str:
        return self.router.session.client_ip or "unknown"

    async def _limit_ip(self, scope: str) -> None:
        """The API's per-IP budget, for page handlers (RateLimited → show its description)."""
        await limit_ip(self._client_ip(), scope)

    async def _load_merchant(self) -> bool:
        """Re-check the session of this connection; keeps the merchant vars in step with the database."""
        bound = self._session_hash and self._session_sid == self.router.session.session_id
        row = await resolve_session_hash(self._session_hash) if bound else None
        self._set_merchant(row)
        if row is None:
            self._session_hash = self._session_sid = ""
        return row is not None

    async def _require_merchant(self) -> str | None:
        """The merchant id for a data handler, re-checked against the session table."""
        if not await self._load_merchant():
            return None
        return self.merchant_id

    def _session_lost(self) -> rx.event.EventSpec:
        """What a handler returns when `_require_merchant()` failed: ask the browser for its token
        (a new connection, e.g. after a reload, proves it again); without a live one → /login."""
        return rx.call_script(_READ_TOKEN, callback=AuthState.adopt_session)

    def _bind(self, session_hash: str) -> None:
        self._session_hash = session_hash
        self._session_sid = self.router.session.session_id

    async def _sign_in(self, merchant_id: str) -> rx.event.EventSpec:
        """A new session for this tab; returns the event that hands its token to the browser."""
        token = await create_session(merchant_id)
        self._bind(token_hash(token))
        await self._load_merchant()
        return _store_token(token)

    def _next_page(self) -> str:
        """After login: the dashboard page first asked for (`/login?next=…`), else /dashboard."""
        return routes.safe_next(self.router.url.query_parameters.get("next"))

    def _on_route(self, route: str) -> bool:
        return (self.router.url.path.rstrip("/") or "/") == route

    @rx.event
    async def check_login(self):
        """on_load of every /dashboard page: this connection's session, else ask the browser for its token."""
        if await self._load_merchant():
            return None
        return self._session_lost()

    @rx.event
    async def redirect_if_logged_in(self):
        """on_load of /login and /register: a live session goes straight to the dashboard."""
        if await self._load_merchant():
            return rx.redirect(self._next_page(), replace=True)
        return self._session_lost()

    @rx.event
    async def adopt_session(self, token: str):
        """The browser's stored token (an event argument, never kept): bind its session to this connection."""
        session_hash = token_hash(token if isinstance(token, str) else "")
        row = await resolve_session_hash(session_hash)
        on_auth_page = self._on_route(routes.LOGIN) or self._on_route(routes.REGISTER)
        if row is None:
            self._set_merchant(None)
            self._session_hash = self._session_sid = ""
            events = [rx.call_script(_FORGET_TOKEN)] if session_hash else []
            if on_auth_page:
                return events
            login = routes.login_with_next(self.router.url.path, self.router.url.query)
            return [*events, rx.redirect(login, replace=True)]
        self._bind(session_hash)
        self._set_merchant(row)
        if on_auth_page:
            return rx.redirect(self._next_page(), replace=True)
        return OnLoadInternalState.on_load_internal  # the page's on_load again, now signed in

    @rx.event
    async def logout(self):
        await delete_session_hash(self._session_hash)
        # Clears the merchant, the session binding and every loaded page state of this tab.
        self.reset()
        return [
            rx.call_script(_FORGET_TOKEN),
            REVEALED_API_SECRET.push(""),
            REVEALED_WEBHOOK_SECRET.push(""),
            rx.redirect(routes.LOGIN, replace=True),
        ]
