"""The webhook client's safety properties (core/webhooks/sender.py over our http_client.py, called
as deliveries call it: `sender.send` with the client `_get_sender()` makes) against real sockets on
127.0.0.1, and over HTTPS with a CA made for the test: a total timeout that closes the connection,
no redirects, a body cap, a pool limit, no cookies, TLS (trust, SNI, refusal), connect-time address
vetting (names and IP literals, DNS rebinding).

Each plain-HTTP test runs a raw asyncio server that answers with exact bytes, so the framings a
receiver may use (length, chunked, until close, interim 100, a dropped keep-alive) are real.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable

import pytest
import trustme

from paygate_app.core.settings import settings
from paygate_app.core.webhooks import config, sender
from paygate_app.core.webhooks.http_client import WebhookHttpClient
from tests.support.raw_http import OK, RawServer, read_request

pytestmark = pytest.mark.asyncio


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


@pytest.fixture
async def http(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WebhookHttpClient]:
    """This loop's delivery client as production makes it; receivers on 127.0.0.1 allowed unless a test vets."""
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    client = sender._get_sender().client
    yield client
    await sender.close_http_client()


async def fresh_client() -> WebhookHttpClient:
    """A new delivery client for this loop, made after the test changed settings or `ssl_context`."""
    await sender.close_http_client()
    return sender._get_sender().client


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


async def test_a_keep_alive_connection_the_server_dropped_is_replaced_once(http) -> None:
    # The server answers once per connection, then drops it when the next request comes, before
    # any byte of an answer: the request is sent once more on a new connection (at-least-once,
    # same webhook-id); a new connection that is dropped too is a failed attempt (next test).
    async with RawServer(lambda c, n, r: OK if n == 1 else None) as server:
        assert (await post(http, server.url)).response_code == 200
        assert (await post(http, server.url)).response_code == 200
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_server_that_drops_a_new_connection_is_a_failed_attempt(http) -> None:
    async with RawServer(lambda c, n, r: None) as server:
        result = await post(http, server.url)
    assert result.response_code is None and result.error and "Disconnected" in result.error
    assert server.connections == 1  # not sent again on a new connection


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
    http = await fresh_client()
    async with RawServer(lambda c, n, r: OK) as server:
        port = port_of(server.url)
        for _ in range(3):
            assert (await post(http, f"http://localhost:{port}/hook")).response_code == 200
    await sender.close_http_client()
    assert vetted == [("localhost", port)] and server.connections == 1
    assert b"\r\nHost: localhost:" in server.requests[0]


async def test_outside_development_a_private_address_is_refused_before_connecting(monkeypatch) -> None:
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    http = await fresh_client()
    async with RawServer(lambda c, n, r: OK) as server:
        port = port_of(server.url)
        by_name = await post(http, f"http://localhost:{port}/hook")
        by_ip = await post(http, f"http://127.0.0.1:{port}/hook")
        by_ipv6 = await post(http, f"http://[::1]:{port}/hook")
        mapped = await post(http, f"http://[::ffff:127.0.0.1]:{port}/hook")
    await sender.close_http_client()
    for result in (by_name, by_ip, by_ipv6, mapped):
        assert result.response_code is None and result.error and result.error.startswith("Refused:"), result
    assert server.connections == 0
    assert http.open_connections == 0  # a refused connection gives its place in the pool back


async def test_dns_rebinding_each_new_connection_is_vetted_again(monkeypatch) -> None:
    # The name first resolves to a public address (here: the receiver, vetted as allowed), then
    # to a private one: the connection opened after that is refused, not sent to the new answer.
    answers = ["127.0.0.1", None]

    async def vet(host: str, port: int) -> str:
        address = answers.pop(0)
        if address is None:
            raise config.UrlNotAllowed("webhook_url must not point to a loopback, private or reserved address")
        return address

    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(sender, "check_public_host", vet)
    http = await fresh_client()
    async with RawServer(lambda c, n, r: OK if n == 1 else None) as server:
        port = port_of(server.url)
        first = await post(http, f"http://rebind.example:{port}/hook")
        second = await post(http, f"http://rebind.example:{port}/hook")  # old connection dropped: a new one
    await sender.close_http_client()
    assert first.response_code == 200 and first.ok
    assert second.response_code is None and second.error and second.error.startswith("Refused:"), second
    assert server.connections == 1 and answers == []


async def test_an_ip_literal_is_vetted_like_a_name_when_each_connection_opens(monkeypatch) -> None:
    # Our client vets every connection it opens, an IP literal too (aiohttp skipped its resolver
    # for one, so the aiohttp sender vetted literals before every send). A reused connection goes
    # to the address vetted when it opened, which an IP literal cannot change.
    vetted: list[tuple[str, int]] = []

    async def vet(host: str, port: int) -> str:
        vetted.append((host, port))
        return host

    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    monkeypatch.setattr(sender, "check_public_host", vet)
    http = await fresh_client()
    async with RawServer(lambda c, n, r: OK if n < 3 else None) as server:
        port = port_of(server.url)
        results = [await post(http, server.url) for _ in range(3)]  # the third on a new connection
    await sender.close_http_client()
    assert [r.response_code for r in results] == [200, 200, 200]
    assert vetted == [("127.0.0.1", port)] * 2 and server.connections == 2


async def test_an_answer_that_stalls_mid_body_times_out_and_its_connection_is_closed(http, monkeypatch) -> None:
    # Headers and part of the body, then nothing: the one timer of the attempt must cover reading
    # the body too, and the connection it gave up on is closed, not reused.
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


async def test_cookies_are_not_kept_between_sends(http) -> None:
    set_cookie = b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\nContent-Length: 2\r\n\r\nok"
    async with RawServer(lambda c, n, r: set_cookie) as server:
        await post(http, server.url)
        await post(http, server.url)
    assert len(server.requests) == 2 and all(b"\r\ncookie:" not in r.lower() for r in server.requests)


class CountingServer(RawServer):
    """Answers each request after `release` is set; counts connections open at once."""

    def __init__(self) -> None:
        super().__init__(lambda *_: OK)
        self.open = 0
        self.most_open = 0
        self.waiting = 0
        self.release = asyncio.Event()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            while True:
                await read_request(reader)
                self.waiting += 1
                await self.release.wait()
                self.waiting -= 1
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.open -= 1
            writer.close()


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    """Poll a condition the sockets will make true, with a deadline."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_the_pool_holds_at_most_webhook_concurrency_connections(monkeypatch) -> None:
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    monkeypatch.setattr(settings, "webhook_concurrency", 2)
    http = await fresh_client()
    async with CountingServer() as a, CountingServer() as b:
        sends = [asyncio.create_task(post(http, a.url)) for _ in range(6)]
        await until(lambda: a.waiting == 2)  # two requests in flight, the other four wait for a place
        assert a.connections == 2 and http.open_connections == 2
        a.release.set()
        results = await asyncio.gather(*sends)
        assert [r.response_code for r in results] == [200] * 6
        assert a.connections == 2 and a.most_open == 2  # the waiting sends reused the two connections
        # Another receiver while the pool is full of idle connections: the longest idle one is closed.
        b.release.set()
        assert (await post(http, b.url)).response_code == 200
        await until(lambda: a.open == 1)
        assert http.open_connections == 2
    await sender.close_http_client()


async def test_a_send_waiting_for_a_place_in_a_full_pool_times_out(monkeypatch) -> None:
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    monkeypatch.setattr(settings, "webhook_concurrency", 1)
    monkeypatch.setattr(settings, "webhook_timeout", 0.5)
    http = await fresh_client()
    async with CountingServer() as server:
        results = await asyncio.gather(post(http, server.url), post(http, server.url))
        assert server.connections == 1
    await sender.close_http_client()
    assert [r.error for r in results] == ["Timed out after 0.5s"] * 2
    await until(lambda: http.open_connections == 0)  # the timed-out exchange closed its connection


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
            self.requests.append(await read_request(reader))
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
    http = await fresh_client()
    async with TlsServer(ca) as server:
        result = await post(http, f"https://localhost:{server.port}/hook", b'{"ok":1}')
    await sender.close_http_client()
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


async def test_a_tls_handshake_that_never_completes_times_out_and_closes(http, monkeypatch) -> None:
    # A receiver that accepts the TCP connection and then says nothing: the attempt's one timer
    # covers the TLS handshake too, and the socket is closed.
    monkeypatch.setattr(settings, "webhook_timeout", 0.5)
    closed = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client closes its end
        closed.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    result = await post(http, f"https://localhost:{port}/hook")
    await asyncio.wait_for(closed.wait(), 5)
    server.close()
    assert result.error == "Timed out after 0.5s" and result.response_code is None and not result.ok
    assert http.open_connections == 0


async def test_https_to_a_certificate_for_another_name_is_a_failed_attempt(monkeypatch) -> None:
    ca = trustme.CA()
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    monkeypatch.setattr(sender, "ssl_context", lambda: trusted)
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    http = await fresh_client()
    async with TlsServer(ca) as server:  # its certificate names `localhost`, not 127.0.0.1
        result = await post(http, f"https://127.0.0.1:{server.port}/hook")
    await sender.close_http_client()
    assert result.response_code is None and result.error and "certificate" in result.error.lower(), result
    assert server.requests == []
