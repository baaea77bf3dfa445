"""State of /dashboard/webhooks (the view is in pages/webhooks.py)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

import orjson
import reflex as rx

from paygate_app.components.dates import format_time, format_time_short
from paygate_app.components.paging import PagedMixin
from paygate_app.components.url import parse_page, set_query
from paygate_app.core.errors import PaygateError
from paygate_app.core.pagination import Page
from paygate_app.core.ratelimit import limit_webhook_test
from paygate_app.core.reports import list_webhook_logs
from paygate_app.core.webhooks.config import get_config, regenerate_webhook_secret
from paygate_app.core.webhooks.config import set_webhook_url as save_webhook_url
from paygate_app.core.webhooks.delivery import max_attempts, retry_webhook, send_test_event
from paygate_app.core.webhooks.events import EventType
from paygate_app.core.webhooks.logs import get_log
from paygate_app.state import REVEALED_WEBHOOK_SECRET, AuthState

MAX_PAYLOAD_CHARS = 20_000


def mask_webhook_secret(secret: str) -> str:
    """'whsec_••••••••c123': the prefix and the last 4 characters."""
    if not secret:
        return ""
    prefix = "whsec_" if secret.startswith("whsec_") else ""
    return prefix + "••••••••" + secret[-4:]


EVENTS = (("all", "All events"), *((e.value, e.value) for e in EventType))


def log_row(log: dict) -> dict[str, str]:
    """One delivery as shown: attempts counted like the detail lists them (manual retries included)."""
    code = log.get("response_code")
    cycle = int(log.get("attempts") or 0)  # attempts since the last manual retry (the schedule's position)
    total = int(log.get("total_attempts", cycle) or 0)
    retrying = ""
    if log["status"] == "pending" and cycle > 0:
        when = format_time_short(log.get("next_retry_at")) or "soon"
        retrying = f"Retrying (attempt {cycle} of {max_attempts()} failed, next at {when})"
    return {
        "id": log["id"],
        "event": log["event"],
        "status": log["status"],
        "attempts": str(total),
        "retrying": retrying,
        "last_error": (log.get("last_error") or "") if log["status"] != "success" else "",
        "last_attempt": format_time_short(log.get("last_attempt_at")),
        "next_retry": format_time(log.get("next_retry_at")) if log["status"] == "pending" else "—",
        "response_code": str(code) if code is not None else "—",
        "created_at": format_time(log.get("created_at")),
    }


def url_problem(url: str) -> str:
    """Our own check of a webhook URL, shown inline before anything is saved ('' = fine)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Enter a URL starting with https:// (or http:// for local testing)"
    if not parts.hostname:
        return "Enter a full URL with a host, e.g. https://example.com/webhooks"
    if any(ch.isspace() for ch in url):
        return "A URL cannot contain spaces"
    return ""


def attempt_row(attempt: dict) -> dict[str, str]:
    code = attempt.get("response_code")
    return {
        "attempt": str(attempt.get("attempt")),
        "response_code": str(code) if code is not None else "—",
        "error": attempt.get("error") or "",
        "duration": f"{attempt.get('duration_ms') or 0} ms",
        "created_at": format_time(attempt.get("created_at")),
    }


class WebhooksState(PagedMixin, AuthState):
    empty_summary: ClassVar[str] = "No deliveries"

    webhook_url: str = ""  # the input
    saved_url: str = ""
    # The masked secret only; a revealed one goes to the browser (REVEALED_WEBHOOK_SECRET), never into state.
    secret_masked: str = ""
    secret_revealed: bool = False
    config_error: str = ""
    config_notice: str = ""
    saving: bool = False
    sending_test: bool = False
    logs: list[dict[str, str]] = []
    event_filter: str = "all"
    url_error: str = ""  # inline, under the URL input
    # Attempt detail
    detail_open: bool = False
    detail: dict[str, str] = {}
    detail_attempts: list[dict[str, str]] = []
    detail_payload: str = ""

    def _show_secret(self, secret: str, *, reveal: bool) -> rx.event.EventSpec:
        """Masked in state; the full secret, when revealed, only in the event sent to the browser."""
        self.secret_revealed = reveal
        self.secret_masked = mask_webhook_secret(secret)
        return REVEALED_WEBHOOK_SECRET.push(secret if reveal else "")

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        event = None if self.event_filter == "all" else self.event_filter
        return await list_webhook_logs(merchant_id=self.merchant_id, page=page, event=event)

    def _view_events(self) -> list:
        return [
            set_query(
                {
                    "event": "" if self.event_filter == "all" else self.event_filter,
                    "page": str(self.page + 1) if self.page else "",
                }
            )
        ]

    @rx.event
    async def set_event_filter(self, value: str):
        self.event_filter = value if value in dict(EVENTS) else "all"
        self.page = 0
        return self._with_view(await self._reload())

    def _show(self, rows: list[dict]) -> None:
        self.logs = [log_row(log) for log in rows]

    async def _tick(self) -> None:
        await self._fetch()
        if self.detail_open and self.detail.get("id"):
            await self._load_detail(self.detail["id"])

    @rx.event
    async def load(self):
        if not self.merchant_id:
            return None
        self.config_error = ""
        self.config_notice = ""
        self.url_error = ""
        self.detail_open = False
        q = self.router.url.query_parameters
        self.event_filter = q.get("event") if q.get("event") in dict(EVENTS) else "all"
        self.page = parse_page(q.get("page"))
        try:
            config = await get_config(self.merchant_id)
        except PaygateError as exc:
            self.error = exc.description
            return None
        self.saved_url = config["webhook_url"] or ""
        self.webhook_url = self.saved_url
        hide = self._show_secret(config["webhook_secret"], reveal=False)
        watch = await self._reload()
        return [hide, watch] if watch is not None else hide

    @rx.event
    def set_webhook_url(self, value: str):
        """Typing makes the last banner stale: it goes, and the inline check runs again."""
        self.webhook_url = value[:2048]
        self.config_notice = ""
        self.config_error = ""
        self.url_error = url_problem(self.webhook_url.strip())

    @rx.event
    async def toggle_secret(self):
        """Reveal (read from the database now, for a live session only) or hide the signing secret."""
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            config = await get_config(self.merchant_id)
        except PaygateError as exc:
            self.config_error = exc.description
            return None
        return self._show_secret(config["webhook_secret"], reveal=not self.secret_revealed)

    @rx.event
    async def save(self, form: dict):
        self.config_error = ""
        self.config_notice = ""
        self.url_error = url_problem(self.webhook_url.strip())
        if self.url_error:
            return
        if await self._require_merchant() is None:
            yield self._session_lost()
            return
        self.saving = True
        yield
        try:
            config = await save_webhook_url(self.merchant_id, self.webhook_url.strip() or None)
        except PaygateError as exc:
            self.url_error = exc.description  # e.g. a private address: under the input it concerns
            self.saving = False
            return
        self.saved_url = config["webhook_url"] or ""
        self.webhook_url = self.saved_url
        self.config_notice = "Webhook URL saved." if self.saved_url else "Webhook URL cleared: no events will be sent."
        self.saving = False

    @rx.event
    async def regenerate_secret(self):
        self.config_error = ""
        self.config_notice = ""
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            secret = await regenerate_webhook_secret(self.merchant_id)
        except PaygateError as exc:
            self.config_error = exc.description
            return None
        self.config_notice = "New signing secret created. Update your receiver: the old secret no longer verifies."
        return self._show_secret(secret, reveal=True)

    @rx.event
    async def send_test(self):
        self.config_error = ""
        self.config_notice = ""
        if await self._require_merchant() is None:
            yield self._session_lost()
            return
        self.sending_test = True
        yield
        try:
            await limit_webhook_test(self.merchant_id)
            log_id = await send_test_event(self.merchant_id)
        except PaygateError as exc:
            self.config_error = exc.description
            self.sending_test = False
            return
        self.sending_test = False
        self.config_notice = f"Test event queued (log {log_id})."
        self.page = 0
        yield await self._reload()

    @rx.event
    async def retry(self, log_id: str):
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            await retry_webhook(log_id, self.merchant_id)
        except PaygateError as exc:
            self.error = exc.description
            return None
        if self.detail_open and self.detail.get("id") == log_id:
            await self._load_detail(log_id)
        events = [rx.toast.info("Retry scheduled", duration=2000)]
        watch = await self._reload()
        return [*events, watch] if watch is not None else events

    async def _load_detail(self, log_id: str) -> None:
        log = await get_log(log_id, self.merchant_id)
        self.detail = log_row(log)
        self.detail_attempts = [attempt_row(a) for a in log.get("attempt_history") or []]
        payload = orjson.dumps(log.get("payload"), option=orjson.OPT_INDENT_2).decode()
        self.detail_payload = payload[:MAX_PAYLOAD_CHARS]

    @rx.event
    async def open_log(self, log_id: str):
        if await self._require_merchant() is None:
            return self._session_lost()
        try:
            await self._load_detail(log_id)
        except PaygateError as exc:
            self.error = exc.description
            return None
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, value: bool):
        self.detail_open = value
