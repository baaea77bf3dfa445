"""Other sites against the real server (Reflex + Granian, `make run`'s production mode), issue 15 item 9:

- CORS only where the checkout needs it, never with credentials;
- the event socket refuses a handshake from another origin;
- the frame policy is decided on the normalised path (`/checkout/..%2fdashboard%2f` is the dashboard).
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.e2e

EVIL = "http://evil.example"
MERCHANT_SITE = "http://127.0.0.1:5999"  # another origin that embeds the checkout
AUTH = {"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"}


def _no_cors(r: httpx.Response) -> None:
    assert "access-control-allow-origin" not in r.headers, dict(r.headers)
    assert "access-control-allow-credentials" not in r.headers, dict(r.headers)


def test_authenticated_api_sends_no_cors_to_other_origins(live_app) -> None:
    headers = {**AUTH, "Origin": EVIL, "Cookie": "session=x"}
    _no_cors(httpx.get(live_app.url + "/api/v1/orders", headers=headers, timeout=10))
    preflight = httpx.options(
        live_app.url + "/api/v1/orders",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key",
        },
        timeout=10,
    )
    _no_cors(preflight)


def test_pages_send_no_cors_to_other_origins(live_app) -> None:
    _no_cors(httpx.get(live_app.url + "/login/", headers={"Origin": EVIL, "Cookie": "a=b"}, timeout=10))


def test_checkout_endpoints_allow_any_origin_without_credentials(live_app) -> None:
    r = httpx.get(live_app.url + "/checkout.js", headers={"Origin": MERCHANT_SITE}, timeout=10)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers

    preflight = httpx.options(
        live_app.url + "/api/v1/payments/public",
        headers={
            "Origin": MERCHANT_SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers


def _handshake(url: str, origin: str) -> bytes:
    """A raw WebSocket upgrade on the event socket; returns the status line."""
    parts = urlsplit(url)
    request = (
        f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def test_event_socket_refuses_other_origins(live_app) -> None:
    assert b" 403" in _handshake(live_app.url, EVIL)
    assert b" 403" in _handshake(live_app.url, MERCHANT_SITE)


def test_event_socket_accepts_its_own_origin(live_app) -> None:
    assert b" 101" in _handshake(live_app.url, live_app.url)


def test_event_socket_accepts_the_loopback_names_of_its_own_port(live_app) -> None:
    """A developer opens the pages on localhost while the built pages' socket URL names 127.0.0.1
    (or the other way round): the same server, so the checkout and dashboard keep working."""
    other_name = live_app.url.replace("127.0.0.1", "localhost")
    assert other_name != live_app.url
    assert b" 101" in _handshake(live_app.url, other_name)
    assert b" 403" in _handshake(live_app.url, other_name.rsplit(":", 1)[0] + ":1")


@pytest.mark.parametrize(
    "path",
    ["/checkout/..%2fdashboard%2f", "/checkout/%2e%2e/dashboard/", "/checkout/..%2flogin%2f", "/checkout/x"],
)
def test_frame_policy_decided_on_normalised_path(live_app, path: str) -> None:
    r = httpx.get(live_app.url + path, timeout=10)
    policy = r.headers.get("content-security-policy", "")
    assert "frame-ancestors *" not in policy
    assert r.headers.get("x-frame-options") == "DENY"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp* shows them) of sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for row in f.read().splitlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_server_binds_loopback_only_by_default(live_app) -> None:
    """`reflex run` as `make run` starts it, without PAYGATE_HOST: 127.0.0.1, not every interface."""
    assert _listening_addresses(live_app.port) == {"0100007F"}
