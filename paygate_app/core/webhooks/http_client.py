"""A small keep-alive HTTP/1.1 client for webhook POSTs: asyncio transports + httptools (llhttp).

Why not aiohttp: measured on this machine (bench/client_cost.py, bench/README.md "Webhook
client"), aiohttp costs ~4x the CPU per POST (221 against 54 µs at 50 in flight), and delivery is
the workers' hot path. It does only what a webhook needs, with the safety properties of a library
(each tested in tests/unit/test_webhook_client.py):

- POST the given bytes with the given headers; redirects are never followed, no cookies, no
  proxies, no compression (`Accept-Encoding: identity`); the caller bounds the whole exchange
  (vetting, connect, TLS, request, answer) with its own timeout;
- the response status and at most `body_limit` bytes of its body (parsed by llhttp:
  Content-Length, chunked, or until the server closes); a longer body is cut and its connection
  closed; 1xx interim responses are skipped;
- every exchange that fails or is cancelled (the caller's timeout) closes its connection;
- at most `max_connections` connections open at once (in use and idle together): a new one
  closes the longest-idle connection of any origin, or waits (within the caller's timeout) for
  one to come free; idle connections are reused per (scheme, host, port) while fresh
  (`IDLE_REUSE_SECONDS`) and the stale ones are closed;
- a request on a reused connection that the server had already closed (no byte of an answer) is
  sent once more on a new connection, as browsers do (webhooks are at-least-once, receivers
  dedupe on `webhook-id`);
- HTTPS with the given `ssl.SSLContext` (default: the system's trust store, certificate and
  host name checked), SNI and Host being the URL's name;
- `vet(host, port)` (unless private hosts are allowed) resolves and checks the host, a name or an
  IP literal, whenever a connection is opened, and the client connects to the vetted address
  itself, so a DNS answer cannot change between the check and the connect.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import httptools

IDLE_REUSE_SECONDS = 4.0  # reuse an idle connection only this long (Node servers close at 5 s)
MAX_IDLE_PER_ORIGIN = 64
SWEEP_SECONDS = 1.0  # at most this often, an exchange that ends closes the stale idle connections

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

    def __init__(self, limit: int, release: Callable[[], None]) -> None:
        self.limit = limit
        self._release: Callable[[], None] | None = release  # gives back its place in the pool, once
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
        self._give_back()
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
        self._give_back()
        if self.transport is not None:
            self.transport.close()

    def _give_back(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()


class WebhookHttpClient:
    """Keep-alive connections per origin, `max_connections` at most; `post()` returns the status
    and the start of the body."""

    def __init__(
        self,
        *,
        user_agent: str,
        body_limit: int,
        max_connections: int = 100,
        ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        # `ssl_context` may be a function: called on the first https connection, so a client
        # that only ever talks http:// never loads the trust store (~1.5 % of a worker's CPU).
        self._user_agent = user_agent
        self._limit = body_limit
        self._max = max(1, max_connections)
        self._open = 0  # connections opening or open (in use and idle)
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._next_sweep = 0.0
        self._ssl = ssl_context
        self.closed = False

    @property
    def open_connections(self) -> int:
        return self._open

    async def post(self, url: str, body: bytes, headers: dict[str, str], *, vet: Vet | None = None) -> Response:
        target = _target(url)
        head = [
            b"POST ",
            target.path,
            b" HTTP/1.1\r\nHost: ",
            target.host_header.encode("idna" if not target.host_header.isascii() else "ascii"),
            b"\r\nUser-Agent: ",
            self._user_agent.encode(),
            b"\r\nAccept-Encoding: identity\r\nContent-Length: ",
            str(len(body)).encode(),
            b"\r\n",
        ]
        for name, value in headers.items():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError("header names and values must not contain line breaks")
            head += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
        data = b"".join(head) + b"\r\n" + body
        while True:
            conn = self._take_idle(target)
            if conn is not None:
                try:
                    return await self._exchange(target, conn, data)
                except ServerDisconnected:
                    if not conn.received_nothing:
                        raise
                    break  # the server had closed the idle connection: send once on a new one
            if self._open < self._max or self._close_longest_idle():
                break
            await self._wait_for_room()  # the pool is full of connections in use
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

    def _close_longest_idle(self) -> bool:
        """Make room for a new connection by closing the idle one unused longest (any origin)."""
        oldest: list[_Connection] | None = None
        for conns in self._idle.values():
            if conns and (oldest is None or conns[0].idle_since < oldest[0].idle_since):
                oldest = conns
        if oldest is None:
            return False
        oldest.pop(0)._close()
        return True

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        for key, conns in list(self._idle.items()):
            fresh = [c for c in conns if not c.closed and now - c.idle_since < IDLE_REUSE_SECONDS]
            for conn in conns:
                if conn not in fresh:
                    conn._close()
            if fresh:
                self._idle[key] = fresh
            else:
                del self._idle[key]

    async def _wait_for_room(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if not waiter.done():
                waiter.cancel()
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    def _wake_one(self) -> None:
        """A connection came back idle or closed: the first send waiting for room looks again."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _released(self) -> None:
        self._open -= 1
        self._wake_one()

    async def _exchange(self, target: _Target, conn: _Connection, data: bytes) -> Response:
        response = await conn.request(data)
        if conn.closed:
            conn._close()
        else:
            conns = self._idle.setdefault((target.scheme, target.host, target.port), [])
            if len(conns) < MAX_IDLE_PER_ORIGIN and not self.closed:
                now = time.monotonic()
                conn.idle_since = now
                conns.append(conn)
                if now >= self._next_sweep:
                    self._sweep(now)
                self._wake_one()
            else:
                conn._close()
        return response

    async def _connect(self, target: _Target, vet: Vet | None) -> _Connection:
        while self._open >= self._max and not self._close_longest_idle():
            await self._wait_for_room()
        self._open += 1  # its place is taken now, before the awaits below
        conn = _Connection(self._limit, self._released)  # gives the place back when closed or lost
        try:
            address = await vet(target.host, target.port) if vet is not None else target.host
            loop = asyncio.get_running_loop()
            tls: dict = {}
            if target.scheme == "https":
                if self._ssl is None:
                    self._ssl = ssl.create_default_context()
                elif callable(self._ssl):
                    self._ssl = self._ssl()
                tls = {"ssl": self._ssl, "server_hostname": target.host}
            await loop.create_connection(lambda: conn, address, target.port, **tls)
        except BaseException:
            conn._close()  # refused, not resolved, TLS failed, cancelled: the place is free again
            raise
        return conn
