"""The webhook client (core/webhooks/sender.py: aiohttp, called as deliveries call it) against
real sockets on 127.0.0.1, and over HTTPS with a CA made for the test.

Each plain-HTTP test runs a raw asyncio server that answers with exact bytes, so the framings a
receiver may use (length, chunked, until close, interim 100, a dropped keep-alive) are real.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable

import pytest
import trustme

from paygate_app.core.settings import settings
from paygate_app.core.webhooks import config, sender

pytestmark = pytest.mark.asyncio

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RawServer:
    """Answers request n on each connection with `answer(conn_no, request_no, request_bytes)`."""

    def __init__(self, answer: Callable[[int, int, bytes], bytes | None]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook?x=1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn_no, n = self.connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                n += 1
                reply = self.answer(conn_no, n, request)
                if reply is None:  # drop the connection without answering
                    break
                writer.write(reply)
                await writer.drain()
                if b"\r\nConnection: close\r\n" in reply:  # the body ends when we close
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def http(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[sender.aiohttp.ClientSession]:
    """The delivery client as production makes it; receivers on 127.0.0.1 allowed unless a test vets."""
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    client = sender.make_client()
    yield client
    await client.close()


async def post(http, url: str, body: bytes = b"{}", headers: dict[str, str] | None = None) -> sender.SendResult:
    return await sender.send(http, url, body, headers or {})


async def test_posts_the_exact_bytes_and_reuses_the_connection(http) -> None:
    async with RawServer(lambda c, n, r: OK) as server:
        first = await post(http, server.url, b'{"a":1}', {"Content-Type": "application/json", "webhook-id": "msg_1"})
        second = await post(http, server.url)
    assert (first.response_code, first.response_body, second.response_code) == (200, "ok", 200)
    assert server.connections == 1
    request = server.requests[0]
    assert request.startswith(b"POST /hook?x=1 HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in request and f"\r\nUser-Agent: {sender.USER_AGENT}\r\n".encode() in request
    assert b"\r\nwebhook-id: msg_1\r\n" in request and request.endswith(b'\r\n\r\n{"a":1}')
    assert b"\r\nAccept-Encoding: identity\r\n" in request


async def test_reads_chunked_and_until_close_bodies(http) -> None:
    chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    until_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
    async with RawServer(lambda c, n, r: chunked if (c, n) == (1, 1) else until_close) as server:
        a = await post(http, server.url)
        b = await post(http, server.url)
        c = await post(http, server.url)
    assert (a.response_code, a.response_body) == (202, "hello world")
    assert (b.response_code, b.response_body) == (c.response_code, c.response_body) == (200, "all of it")
    assert server.connections == 2  # kept alive after the chunked answer, not after the closing one


async def test_skips_an_interim_100_and_does_not_follow_redirects(http) -> None:
    answers = {
        1: b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        2: b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n",
    }
    async with RawServer(lambda c, n, r: answers[n]) as server:
        first = await post(http, server.url)
        second = await post(http, server.url)
    assert (first.response_code, first.response_body, second.response_code) == (204, "", 302)
    assert second.error == "HTTP 302" and len(server.requests) == 2  # the redirect was not followed


async def test_keeps_only_the_start_of_a_large_body_and_drops_that_connection(http) -> None:
    big = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1_000_000
    async with RawServer(lambda c, n, r: big if c == 1 else OK) as server:
        first = await post(http, server.url)
        second = await post(http, server.url)
    assert (first.response_code, first.response_body) == (500, "x" * sender.MAX_BODY_CHARS)
    assert second.response_code == 200 and server.connections == 2


async def test_a_keep_alive_connection_dropped_under_a_request_fails_that_attempt_only(http) -> None:
    # The server answers once per connection, then drops it when the next request comes. The
    # request may have reached the receiver, so it is not sent again at once: the attempt
    # fails (retried on the schedule, same webhook-id) and the next one opens a new connection.
    async with RawServer(lambda c, n, r: OK if n == 1 else None) as server:
        assert (await post(http, server.url)).response_code == 200
        dropped = await post(http, server.url)
        assert (await post(http, server.url)).response_code == 200
    assert dropped.response_code is None and dropped.error and "disconnected" in dropped.error.lower()
    assert server.connections == 2


async def test_a_server_that_drops_a_new_connection_is_a_failed_attempt(http) -> None:
    async with RawServer(lambda c, n, r: None) as server:
        result = await post(http, server.url)
    assert result.response_code is None and result.error and "Disconnected" in result.error


async def test_refuses_line_breaks_in_headers_and_spaces_in_the_url(http) -> None:
    injected = await post(http, "http://127.0.0.1:9/hook", headers={"x-evil": "a\r\nInjected: 1"})
    spaced = await post(http, "http://127.0.0.1:9/ho ok")
    assert injected.response_code is None and injected.error
    assert spaced.response_code is None and spaced.error


async def test_vets_the_host_when_a_connection_opens_and_connects_to_its_answer(monkeypatch) -> None:
    vetted: list[tuple[str, int]] = []

    async def vet(host: str, port: int) -> str:
        vetted.append((host, port))
        return "127.0.0.1"

    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(sender, "check_public_host", vet)
    http = sender.make_client()
    async with RawServer(lambda c, n, r: OK) as server:
        port = int(server.url.split(":")[2].split("/")[0])
        for _ in range(3):
            assert (await post(http, f"http://localhost:{port}/hook")).response_code == 200
    await http.close()
    assert vetted == [("localhost", port)] and server.connections == 1
    assert b"\r\nHost: localhost:" in server.requests[0]


async def test_outside_development_a_private_address_is_refused_before_connecting(monkeypatch) -> None:
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    http = sender.make_client()
    async with RawServer(lambda c, n, r: OK) as server:
        port = int(server.url.split(":")[2].split("/")[0])
        by_name = await post(http, f"http://localhost:{port}/hook")
        by_ip = await post(http, f"http://127.0.0.1:{port}/hook")
    await http.close()
    for result in (by_name, by_ip):
        assert result.response_code is None and result.error and result.error.startswith("Refused:"), result
    assert server.connections == 0


async def test_an_ip_literal_is_vetted_on_every_send_though_its_url_is_parsed_once(monkeypatch) -> None:
    vetted: list[tuple[str, int]] = []

    async def vet(host: str, port: int) -> str:
        vetted.append((host, port))
        return host

    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(sender, "check_public_host", vet)
    http = sender.make_client()
    async with RawServer(lambda c, n, r: OK) as server:
        port = int(server.url.split(":")[2].split("/")[0])
        results = [await post(http, server.url) for _ in range(3)]
    await http.close()
    assert [r.response_code for r in results] == [200, 200, 200]
    assert vetted == [("127.0.0.1", port)] * 3  # aiohttp does not resolve an IP literal: we vet it each time


async def test_an_answer_that_stalls_mid_body_times_out_and_its_connection_is_closed(http, monkeypatch) -> None:
    # Headers and part of the body, then nothing: the one timer of the attempt (aiohttp's own are
    # off) must cover reading the body too, and the connection it gave up on must not be reused.
    monkeypatch.setattr(settings, "webhook_timeout", 0.5)
    stall = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(stall)
        await writer.drain()
        await reader.read()  # until the client closes its end
        closed.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = asyncio.get_running_loop().time()
    result = await post(http, f"http://127.0.0.1:{port}/hook")
    elapsed = asyncio.get_running_loop().time() - started
    await asyncio.wait_for(closed.wait(), 5)  # the client closed the connection
    server.close()
    assert result.error == "Timed out after 0.5s", result
    assert not result.ok  # a 2xx whose body never came is a failed attempt: it is retried
    assert 0.4 <= elapsed < 3


# --- HTTPS ------------------------------------------------------------------------------------


class TlsServer:
    """An HTTPS receiver on 127.0.0.1 with a certificate for `localhost` from a CA made for the test."""

    def __init__(self, ca: trustme.CA) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost").configure_cert(self.context)
        self.server_names: list[str | None] = []
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> TlsServer:
        self.context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(x.split(b":", 1)[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-length:")
            )
            self.requests.append(head + await reader.readexactly(length))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def test_https_to_a_trusted_certificate_with_the_name_as_sni_and_host(monkeypatch) -> None:
    ca = trustme.CA()
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    monkeypatch.setattr(sender, "ssl_context", lambda: trusted)  # this test's CA, for this test only

    async def vet(host: str, port: int) -> str:
        return "127.0.0.1"

    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(sender, "check_public_host", vet)
    http = sender.make_client()
    async with TlsServer(ca) as server:
        result = await post(http, f"https://localhost:{server.port}/hook", b'{"ok":1}')
    await http.close()
    assert (result.response_code, result.response_body, result.error) == (200, "secure", None)
    assert server.server_names == ["localhost"]  # SNI is the URL's name though we connected to the vetted IP
    assert b"\r\nHost: localhost:" in server.requests[0] and server.requests[0].endswith(b'{"ok":1}')


async def test_https_to_an_untrusted_certificate_is_a_failed_attempt(http) -> None:
    async with TlsServer(trustme.CA()) as server:  # a CA the client does not trust
        result = await post(http, f"https://localhost:{server.port}/hook")
    assert result.response_code is None and result.error and "certificate" in result.error.lower(), result
    assert server.requests == []


async def test_the_webhook_url_check_is_the_one_the_client_vets_with() -> None:
    assert sender.check_public_host is config.check_public_host
