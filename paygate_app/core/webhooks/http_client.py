"""A small keep-alive HTTP/1.1 client for webhook POSTs: asyncio transports + httptools (llhttp).

Why not aiohttp: measured on this machine, aiohttp's request machinery costs ~105 µs of CPU
per POST (headers, payload registry, cookie jar, timers, tracing hooks) against ~20 µs here,
and delivery is the workers' hot path (bench/README.md). It does only what a webhook needs:

- POST the given bytes with the given headers; redirects are never followed, no cookies, no
  proxies; the caller bounds the whole exchange with its own timeout;
- the response status and at most `limit` bytes of its body (parsed by llhttp: Content-Length,
  chunked, or until the server closes); 1xx interim responses are skipped;
- connections are kept alive per (scheme, host, port) and reused while fresh; a request on a
  reused connection that the server had already closed (no byte of an answer) is sent once
  more on a new connection, as browsers and aiohttp do (webhooks are at-least-once, receivers
  dedupe on `webhook-id`);
- every exchange that fails or is cancelled (the caller's timeout) closes its connection;
- `vet(host, port)` (unless private hosts are allowed) resolves and checks the host when a connection is
  opened and the client connects to the vetted address itself, so a DNS answer cannot change
  between the check and the connect.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import httptools

IDLE_REUSE_SECONDS = 4.0  # reuse an idle connection only this long (Node servers close at 5 s)
MAX_IDLE_PER_ORIGIN = 64

Vet = Callable[[str, int], Awaitable[str]]  # (host, port) → the address to connect to


class HttpClientError(Exception):
    """The exchange failed before a complete status line and headers arrived."""


class ServerDisconnected(HttpClientError):
    pass


class InvalidResponse(HttpClientError):
    pass


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    host_header: str
    path: bytes


@lru_cache(maxsize=4096)
def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in path):
        raise ValueError("URL path must not contain spaces or control characters")
    return _Target(scheme, host, port, shown if port == default else f"{shown}:{port}", path.encode("utf-8"))


class _Connection(asyncio.Protocol):
    """One connection, one exchange at a time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = time.monotonic()
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Response] | None = None
        self._status = 0
        self._body: list[bytes] = []
        self._size = 0
        self._received = False  # any byte of the current answer

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(InvalidResponse(f"invalid HTTP response: {exc}"))
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._status >= 200:  # headers arrived; the body ends with the connection
            self._finish(reusable=False)
        else:
            self._fail(ServerDisconnected("Server disconnected" + (f": {exc}" if exc else "")))

    # -- httptools callbacks
    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        if self._size < self.limit:
            self._body.append(body[: self.limit - self._size])
        self._size += len(body)
        if self._size >= self.limit and self._status >= 200:
            # Enough of it: answer now and drop the connection rather than read a large body.
            self._finish(reusable=False)
            self._close()

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._status, self._body, self._size = 0, [], 0
            return
        self._finish(reusable=self._parser.should_keep_alive())

    # -- exchange
    async def request(self, data: bytes) -> Response:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._status, self._body, self._size, self._received = 0, [], 0, False
        self.transport.write(data)
        try:
            return await self._waiter
        except BaseException:
            # Failed or cancelled (the caller's timeout: the waiter is then cancelled, hence done):
            # the connection is in an unknown state and belongs to nobody, so close it now.
            self._close()
            raise
        finally:
            self._waiter = None

    @property
    def received_nothing(self) -> bool:
        return not self._received

    def _finish(self, *, reusable: bool) -> None:
        if not reusable:
            self.closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(Response(self._status, b"".join(self._body)))

    def _fail(self, exc: Exception) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class WebhookHttpClient:
    """Keep-alive connections per origin; `post()` returns the status and the start of the body."""

    def __init__(self, *, user_agent: str, body_limit: int) -> None:
        self._user_agent = user_agent
        self._limit = body_limit
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._ssl: ssl.SSLContext | None = None
        self.closed = False

    async def post(self, url: str, body: bytes, headers: dict[str, str], *, vet: Vet | None = None) -> Response:
        target = _target(url)
        head = [
            b"POST ",
            target.path,
            b" HTTP/1.1\r\nHost: ",
            target.host_header.encode("idna" if not target.host_header.isascii() else "ascii"),
            b"\r\nUser-Agent: ",
            self._user_agent.encode(),
            b"\r\nContent-Length: ",
            str(len(body)).encode(),
            b"\r\n",
        ]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError("header names and values must not contain line breaks")
            head += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        data = b"".join(head) + b"\r\n" + body
        conn = self._take_idle(target)
        if conn is not None:
            try:
                return await self._exchange(target, conn, data)
            except ServerDisconnected:
                if not conn.received_nothing:
                    raise
                # The server had closed the idle connection: send once on a new one.
        conn = await self._connect(target, vet)
        return await self._exchange(target, conn, data)

    async def close(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn._close()

    # -- pool
    def _take_idle(self, target: _Target) -> _Connection | None:
        conns = self._idle.get((target.scheme, target.host, target.port))
        now = time.monotonic()
        while conns:
            conn = conns.pop()
            if not conn.closed and now - conn.idle_since < IDLE_REUSE_SECONDS:
                return conn
            conn._close()
        return None

    async def _exchange(self, target: _Target, conn: _Connection, data: bytes) -> Response:
        response = await conn.request(data)
        if conn.closed:
            conn._close()
        else:
            conns = self._idle.setdefault((target.scheme, target.host, target.port), [])
            if len(conns) < MAX_IDLE_PER_ORIGIN and not self.closed:
                conn.idle_since = time.monotonic()
                conns.append(conn)
            else:
                conn._close()
        return response

    async def _connect(self, target: _Target, vet: Vet | None) -> _Connection:
        address = await vet(target.host, target.port) if vet is not None else target.host
        loop = asyncio.get_running_loop()
        tls: dict = {}
        if target.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            tls = {"ssl": self._ssl, "server_hostname": target.host}
        _, conn = await loop.create_connection(lambda: _Connection(self._limit), address, target.port, **tls)
        return conn
