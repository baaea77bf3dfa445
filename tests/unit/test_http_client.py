"""The webhook HTTP client (core/webhooks/http_client.py) against real sockets on 127.0.0.1.

Each test runs a raw asyncio server that answers with exact bytes, so the framings a
receiver may use (length, chunked, until close, interim 100, a dropped keep-alive) are real.
"""

from __future__ import annotations

import pytest

from paygate_app.core.webhooks.http_client import ServerDisconnected, WebhookHttpClient
from tests.support.raw_http import OK, RawServer

pytestmark = pytest.mark.asyncio


def client(limit: int = 8192) -> WebhookHttpClient:
    return WebhookHttpClient(user_agent="Paygate-Test/1.0", body_limit=limit)


async def test_posts_the_exact_bytes_and_reuses_the_connection() -> None:
    async with RawServer(lambda c, n, r: OK) as server:
        http = client()
        first = await http.post(server.url, b'{"a":1}', {"Content-Type": "application/json", "webhook-id": "msg_1"})
        second = await http.post(server.url, b"{}", {})
        await http.close()
    assert (first.status, first.body, second.status) == (200, b"ok", 200)
    assert server.connections == 1
    request = server.requests[0]
    assert request.startswith(b"POST /hook?x=1 HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:" in request and b"\r\nUser-Agent: Paygate-Test/1.0\r\n" in request
    assert b"\r\nwebhook-id: msg_1\r\n" in request and request.endswith(b'\r\n\r\n{"a":1}')


async def test_reads_chunked_and_until_close_bodies() -> None:
    chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    until_close = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
    async with RawServer(lambda c, n, r: chunked if (c, n) == (1, 1) else until_close) as server:
        http = client()
        a = await http.post(server.url, b"{}", {})
        b = await http.post(server.url, b"{}", {})
        c = await http.post(server.url, b"{}", {})
        await http.close()
    assert (a.status, a.body) == (202, b"hello world")
    assert (b.status, b.body) == (c.status, c.body) == (200, b"all of it")
    assert server.connections == 2  # kept alive after the chunked answer, not after the closing one


async def test_skips_an_interim_100_and_does_not_follow_redirects() -> None:
    answers = {
        1: b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        2: b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n",
    }
    async with RawServer(lambda c, n, r: answers[n]) as server:
        http = client()
        first = await http.post(server.url, b"{}", {})
        second = await http.post(server.url, b"{}", {})
        await http.close()
    assert (first.status, first.body, second.status) == (204, b"", 302)
    assert len(server.requests) == 2  # the redirect was not followed


async def test_keeps_only_the_start_of_a_large_body_and_drops_that_connection() -> None:
    big = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1_000_000
    async with RawServer(lambda c, n, r: big if c == 1 else OK) as server:
        http = client(limit=100)
        first = await http.post(server.url, b"{}", {})
        second = await http.post(server.url, b"{}", {})
        await http.close()
    assert (first.status, first.body) == (500, b"x" * 100)
    assert second.status == 200 and server.connections == 2


async def test_an_idle_connection_the_server_closed_is_replaced_once() -> None:
    # The server answers once per connection, then drops it when the next request comes.
    async with RawServer(lambda c, n, r: OK if n == 1 else None) as server:
        http = client()
        assert (await http.post(server.url, b"{}", {})).status == 200
        assert (await http.post(server.url, b"{}", {})).status == 200
        await http.close()
    assert server.connections == 2 and len(server.requests) == 3


async def test_a_server_that_drops_a_new_connection_is_an_error_not_a_retry() -> None:
    async with RawServer(lambda c, n, r: None) as server:
        http = client()
        with pytest.raises(ServerDisconnected):
            await http.post(server.url, b"{}", {})
        await http.close()
    assert server.connections == 1


async def test_refuses_line_breaks_in_headers_and_spaces_in_the_path() -> None:
    http = client()
    with pytest.raises(ValueError):
        await http.post("http://127.0.0.1:9/hook", b"{}", {"x-evil": "a\r\nInjected: 1"})
    with pytest.raises(ValueError):
        await http.post("http://127.0.0.1:9/ho ok", b"{}", {})
    await http.close()


async def test_vets_the_host_once_per_new_connection_and_connects_to_its_answer() -> None:
    vetted: list[tuple[str, int]] = []

    async def vet(host: str, port: int) -> str:
        vetted.append((host, port))
        return "127.0.0.1"

    async with RawServer(lambda c, n, r: OK) as server:
        port = int(server.url.split(":")[2].split("/")[0])
        http = client()
        for _ in range(3):
            assert (await http.post(f"http://localhost:{port}/hook", b"{}", {}, vet=vet)).status == 200
        await http.close()
    assert vetted == [("localhost", port)] and server.connections == 1
    assert b"\r\nHost: localhost:" in server.requests[0]
