"""Sending one webhook attempt: this event loop's keep-alive client and `send()`.

`send()` never raises for anything the receiver or the network does; it returns a
`SendResult` that delivery.py records as an attempt.

The client is our own small one (http_client.py: asyncio + httptools' llhttp parser), kept over
aiohttp for a measured reason: bench/README.md, "Webhook client" (aiohttp ~4x its CPU per send,
the workers' CPU per payment +30 % and fan-out halved in the full bench). It keeps the safety
properties a library would give, each tested in tests/unit/test_webhook_client.py:
- a total timeout per attempt: one `asyncio.timeout` around the whole exchange (vetting, connect,
  TLS, request, the answer's body); the cancelled exchange closes its connection, it is not reused,
  and a 2xx whose body did not arrive in time is a failed attempt;
- pool limits: at most `settings.webhook_concurrency` connections open (in use and idle), kept
  alive for reuse while fresh;
- TLS with the system's trust store (certificate and host name checked), SNI and Host the URL's name;
- no redirects, no compression (`Accept-Encoding: identity`), no cookies, no proxies;
- at most `BODY_LIMIT` bytes of the receiver's answer read (the rest is dropped with the connection);
- connect-time address vetting outside development: every connection, to a name or an IP literal,
  is opened to an address `check_public_host` resolved and checked just then, while the Host
  header and TLS SNI stay the URL's name, so a second DNS answer cannot point a delivery at a
  private address.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field

from paygate_app.core.errors import BadRequest
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.config import check_public_host, parse_webhook_url, private_hosts_allowed
from paygate_app.core.webhooks.http_client import WebhookHttpClient

MAX_BODY_CHARS = 2048
MAX_ERROR_CHARS = 255
USER_AGENT = "Paygate-Webhooks/1.0"
BODY_LIMIT = MAX_BODY_CHARS * 4  # bytes of an answer read at most (UTF-8: up to 4 bytes a character)


@dataclass(frozen=True)
class SendResult:
    response_code: int | None
    error: str | None
    response_body: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        # A 2xx whose body did not arrive in time is a failed attempt (error set): retried.
        return self.error is None and self.response_code is not None and 200 <= self.response_code < 300

    @property
    def gone(self) -> bool:
        return self.response_code == 410


# --- the HTTP client: one keep-alive pool per event loop -------------------------------


def ssl_context() -> ssl.SSLContext:
    """The system's trust store (tests that run an HTTPS receiver trust their own CA here)."""
    return ssl.create_default_context()


def make_client() -> WebhookHttpClient:
    return WebhookHttpClient(
        user_agent=USER_AGENT,
        body_limit=BODY_LIMIT,
        max_connections=max(1, settings.webhook_concurrency),
        ssl_context=ssl_context,  # called on the first https connection only
    )


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
        _sender = _Sender(
            loop=loop,
            client=make_client(),
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
        vet = None if private_hosts_allowed() else check_public_host  # every new connection's address
        async with asyncio.timeout(settings.webhook_timeout):
            response = await client.post(url, body, headers, vet=vet)
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
