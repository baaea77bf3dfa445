"""The logged-in merchant: one small base State every dashboard page state inherits from.

The browser holds a random session token in a cookie; the database holds only its keyed hash
(core/sessions.py). `check_login` runs on every dashboard page load: no live session → /login.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import reflex as rx

from paygate_app import routes
from paygate_app.core.errors import PaygateError
from paygate_app.core.sessions import SESSION_TTL, create_session, delete_session, resolve_session
from paygate_app.core.settings import settings

SESSION_COOKIE = "paygate_session"
MASK = "••••••••"
SESSION_RECHECK_SECONDS = 30.0  # a live loop re-checks the session this often (logout elsewhere stops it)


def mask_secret(last4: str) -> str:
    """What the dashboard shows instead of a secret: '••••••••z789'."""
    return MASK + (last4 or "")


class AuthState(rx.State):
    """Who is logged in. Page states subclass it and call `_require_merchant()` in handlers."""

    session_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        max_age=int(SESSION_TTL.total_seconds()),
        same_site="strict",
        secure=settings.paygate_public_url.startswith("https://") or None,
    )
    merchant_id: str = ""
    merchant_name: str = ""
    merchant_email: str = ""
    api_key: str = ""
    api_secret_last4: str = ""
    # The full API secret right after register / regenerate, until the dashboard shows it once.
    _fresh_secret: str = ""
    # Bumped by every live loop this tab starts; an older loop sees the change and ends.
    _poll_generation: int = 0

    def _set_merchant(self, row: dict | None) -> None:
        self.merchant_id = row["id"] if row else ""
        self.merchant_name = row["name"] if row else ""
        self.merchant_email = row["email"] if row else ""
        self.api_key = row["api_key"] if row else ""
        self.api_secret_last4 = (row.get("api_secret_last4") or "") if row else ""

    async def _load_merchant(self) -> bool:
        """Resolve the cookie's session; keeps the merchant vars in step with the database."""
        row = await resolve_session(self.session_token)
        self._set_merchant(row)
        return row is not None

    async def _require_merchant(self) -> str | None:
        """The merchant id for a data handler, re-checked against the session table."""
        if not await self._load_merchant():
            return None
        return self.merchant_id

    async def _sign_in(self, merchant_id: str) -> None:
        self.session_token = await create_session(merchant_id)
        await self._load_merchant()

    def _on_route(self, route: str) -> bool:
        return (self.router.url.path.rstrip("/") or "/") == route

    async def _live_loop(
        self, route: str, tick: Callable[[], Awaitable[bool]], *, interval: float, max_seconds: float
    ) -> bool:
        """From a background handler: `await tick()` under the state lock every `interval` s.

        Ends (False) when the tab starts another loop, disconnects, leaves `route` or loses its
        session, or when `tick` returns False; ends (True) once `max_seconds` have passed.
        """
        async with self:
            self._poll_generation += 1
            generation = self._poll_generation
            token = self.router.session.client_token
        loop = asyncio.get_running_loop()
        started = last_check = loop.time()
        while True:
            await asyncio.sleep(interval)
            async with self:
                if generation != self._poll_generation or not client_connected(token) or not self._on_route(route):
                    return False
                now = loop.time()
                if now - started > max_seconds:
                    return True
                if now - last_check > SESSION_RECHECK_SECONDS:
                    last_check = now
                    if not await self._load_merchant():
                        return False
                if not self.merchant_id:
                    return False
                try:
                    if not await tick():
                        return False
                except PaygateError:
                    continue  # e.g. database briefly unavailable: keep what is shown, try again

    @rx.event
    async def check_login(self):
        """on_load of every /dashboard page."""
        if not await self._load_merchant():
            return rx.redirect(routes.LOGIN, replace=True)
        return None

    @rx.event
    async def redirect_if_logged_in(self):
        """on_load of /login and /register: a live session goes straight to the dashboard."""
        if self.session_token and await self._load_merchant():
            return rx.redirect(routes.DASHBOARD, replace=True)
        return None

    @rx.event
    async def logout(self):
        await delete_session(self.session_token)
        # Clears the cookie var, the merchant and every loaded page state of this tab.
        self.reset()
        return rx.redirect(routes.LOGIN, replace=True)


def client_connected(token: str) -> bool:
    """Whether the browser tab with this client token still has its socket open (this worker)."""
    from reflex.utils.prerequisites import get_and_validate_app

    try:
        namespace = get_and_validate_app().app.event_namespace
    except Exception:  # no app (unit tests): treat as gone so loops end
        return False
    return namespace is not None and token in namespace.token_to_sid
