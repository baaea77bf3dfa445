"""Sending one webhook attempt: the keep-alive client of this event loop and `send()`.

`send()` never raises for anything the receiver or the network does; it returns a
`SendResult` that delivery.py records as an attempt.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from paygate_app.core.errors import BadRequest
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.config import check_public_host, parse_webhook_url, private_hosts_allowed
from paygate_app.core.webhooks.http_client import WebhookHttpClient

MAX_BODY_CHARS = 2048
MAX_ERROR_CHARS = 255
USER_AGENT = "Paygate-Webhooks/1.0"


@dataclass(frozen=True)
class SendResult:
    response_code: int | None
    error: str | None
    response_body: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300

    @property
    def gone(self) -> bool:
        return self.response_code == 410


# --- the HTTP client: one keep-alive pool per event loop -------------------------------
# Our own small client (http_client.py, httptools' parser): measured on this machine, httpx
# cost 1.4-4.7 ms of CPU per POST, aiohttp ~0.1 ms, this ~0.02 ms; delivery is the workers'
# hot path (bench/README.md).


@dataclass
class _Sender:
    """This event loop's client and its send slots: `slots` for all merchants together, and a
    smaller gate per merchant, taken first, so one merchant's backlog (a hanging receiver and
    many events) waits on its own gate and never holds every slot."""

    loop: asyncio.AbstractEventLoop
    client: WebhookHttpClient
    slots: asyncio.Semaphore
    per_merchant: int
    gates: dict[str, _Gate] = field(default_factory=dict)

    def gate(self, merchant_id: str) -> _Gate:
        gate = self.gates.get(merchant_id)
        if gate is None:
            gate = self.gates[merchant_id] = _Gate(asyncio.Semaphore(self.per_merchant))
        gate.users += 1
        return gate

    def leave(self, merchant_id: str, gate: _Gate) -> None:
        gate.users -= 1
        if gate.users == 0 and self.gates.get(merchant_id) is gate:
            del self.gates[merchant_id]  # merchants with nothing in flight cost nothing


@dataclass
class _Gate:
    slots: asyncio.Semaphore
    users: int = 0  # deliveries holding or waiting for it


_sender: _Sender | None = None


def _get_sender() -> _Sender:
    global _sender
    loop = asyncio.get_running_loop()
    if _sender is None or _sender.loop is not loop or _sender.client.closed:
        client = WebhookHttpClient(user_agent=USER_AGENT, body_limit=MAX_BODY_CHARS * 4)
        _sender = _Sender(
            loop=loop,
            client=client,
            slots=asyncio.Semaphore(max(1, settings.webhook_concurrency)),
            per_merchant=max(1, settings.webhook_concurrency_per_merchant),
        )
    return _sender


async def acquire_by(semaphore: asyncio.Semaphore, deadline: float) -> bool:
    """Take the semaphore, waiting until `deadline` (loop time) at most; False if it did not come."""
    if not semaphore.locked():
        await semaphore.acquire()  # free: no timer on the hot path
        return True
    delay = deadline - asyncio.get_running_loop().time()
    if delay <= 0:
        return False
    try:
        async with asyncio.timeout(delay):
            await semaphore.acquire()
    except TimeoutError:
        return False
    return True


async def close_http_client() -> None:
    """Close this loop's delivery client (shutdown, tests)."""
    global _sender
    sender, _sender = _sender, None
    if sender is not None and sender.loop is asyncio.get_running_loop():
        await sender.client.close()


def _clip(text: str, limit: int) -> str:
    return text.replace("\x00", "")[:limit]


async def send(client: WebhookHttpClient, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST one attempt (redirects not followed); never raises for anything the receiver or network does."""
    started = time.perf_counter()
    code: int | None = None
    text: str | None = None
    error: str | None = None
    try:
        parse_webhook_url(url)
        async with asyncio.timeout(settings.webhook_timeout):
            response = await client.post(url, body, headers, vet=None if private_hosts_allowed() else check_public_host)
        code = response.status
        text = _clip(response.body.decode("utf-8", errors="replace"), MAX_BODY_CHARS)
    except TimeoutError:
        error = f"Timed out after {settings.webhook_timeout:g}s"
    except BadRequest as exc:
        error = f"Refused: {exc.description}"
    except Exception as exc:  # refused, reset, TLS, a bad answer: an attempt that failed, not a crash
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if code is not None and error is None and not 200 <= code < 300:
        error = f"HTTP {code}" + (" Gone: receiver asked us to stop retrying" if code == 410 else "")
    duration_ms = int((time.perf_counter() - started) * 1000)
    return SendResult(
        response_code=code,
        error=_clip(error, MAX_ERROR_CHARS) if error else None,
        response_body=text,
        duration_ms=duration_ms,
    )
