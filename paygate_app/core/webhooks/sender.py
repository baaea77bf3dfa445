"""Sending one webhook attempt: this event loop's aiohttp session and `send()`.

`send()` never raises for anything the receiver or the network does; it returns a
`SendResult` that delivery.py records as an attempt.

The client is aiohttp (measured against httpx on this workload: bench/README.md, "webhook
client"), with:
- a total timeout per attempt: one `asyncio.timeout` around the whole exchange (vetting, connect,
  request, answer; aiohttp's own timers are off, one timer a send is enough): the cancelled
  exchange closes its connection, it is not reused;
- pool limits (`settings.webhook_concurrency` connections, kept alive for reuse);
- no redirects, no compression (`Accept-Encoding: identity`), no cookies kept between sends;
- at most `BODY_LIMIT` bytes of the receiver's answer read (the rest is dropped with the connection);
- connect-time address vetting outside development: the resolver checks every address a host
  resolves to when a connection opens and the connection goes to that vetted address, while
  the Host header and TLS SNI stay the URL's name, so a second DNS answer cannot point a
  delivery at a private address (an IP literal is vetted before the send, as aiohttp does not
  resolve it).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from paygate_app.core.errors import BadRequest
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.config import check_public_host, parse_webhook_url, private_hosts_allowed

MAX_BODY_CHARS = 2048
MAX_ERROR_CHARS = 255
USER_AGENT = "Paygate-Webhooks/1.0"
BODY_LIMIT = MAX_BODY_CHARS * 4  # bytes of an answer read at most (UTF-8: up to 4 bytes a character)
KEEPALIVE_SECONDS = 30.0


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

Vet = Callable[[str, int], Awaitable[str]]


class _VettingResolver(AbstractResolver):
    """Resolves a host to the one address `vet(host, port)` checked and returned."""

    def __init__(self, vet: Vet) -> None:
        self._vet = vet

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list:
        address = await self._vet(host, port)
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        result: ResolveResult = {
            "hostname": host, "host": address, "port": port, "family": kind, "proto": 0,
            "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
        }  # fmt: skip
        return [result]

    async def close(self) -> None:
        return None


def ssl_context() -> ssl.SSLContext:
    """The system's trust store (tests that run an HTTPS receiver trust their own CA here)."""
    return ssl.create_default_context()


def make_client() -> aiohttp.ClientSession:
    concurrency = max(1, settings.webhook_concurrency)
    vet = None if private_hosts_allowed() else check_public_host
    connector = aiohttp.TCPConnector(
        limit=concurrency,
        limit_per_host=0,
        keepalive_timeout=KEEPALIVE_SECONDS,
        ssl=ssl_context(),
        resolver=_VettingResolver(vet) if vet is not None else None,
        use_dns_cache=vet is None,  # a vetted host is vetted again for every new connection
    )
    return aiohttp.ClientSession(
        connector=connector,
        # No aiohttp timers: send() bounds each whole attempt with one asyncio.timeout.
        timeout=aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        trust_env=False,
    )


@dataclass
class _Sender:
    """This event loop's client and its send slots: `slots` for all merchants together, and a
    smaller gate per merchant, taken first, so one merchant's backlog (a hanging receiver and
    many events) waits on its own gate and never holds every slot."""

    loop: asyncio.AbstractEventLoop
    client: aiohttp.ClientSession
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


async def send(client: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    """POST one attempt (redirects not followed); never raises for anything the receiver or network does."""
    started = time.perf_counter()
    code: int | None = None
    text: str | None = None
    error: str | None = None
    try:
        target = _target(url)
        if target.ip_literal and not private_hosts_allowed():
            await check_public_host(target.host, target.port)
        async with asyncio.timeout(settings.webhook_timeout):
            async with client.post(target.url, data=body, headers=headers, allow_redirects=False) as response:
                code = response.status
                text = _clip((await _read_start(response)).decode("utf-8", errors="replace"), MAX_BODY_CHARS)
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


@dataclass(frozen=True, slots=True)
class _Target:
    url: yarl.URL
    host: str
    port: int
    ip_literal: bool  # aiohttp does not resolve an IP literal, so it is vetted before each send


@functools.lru_cache(maxsize=1024)  # parsed once per webhook URL; an invalid one raises and is not kept
def _target(url: str) -> _Target:
    host, port = parse_webhook_url(url)
    return _Target(yarl.URL(url), host, port, _is_ip(host))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def _read_start(response: aiohttp.ClientResponse) -> bytes:
    """At most BODY_LIMIT bytes of the answer; a longer one is cut (its connection is then closed).
    A short answer that came whole (the usual `{"ok":true}`) takes one read."""
    content = response.content
    data = await content.read(BODY_LIMIT)
    while len(data) < BODY_LIMIT and not content.at_eof():
        chunk = await content.read(BODY_LIMIT - len(data))
        if not chunk:
            break
        data += chunk
    return data
