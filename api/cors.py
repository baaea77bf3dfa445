"""Cross-origin policy: only what the checkout needs, never with credentials.

- `/checkout.js` and the public checkout endpoints (`GET /api/v1/orders/{id}/public`,
  `POST /api/v1/payments/public`, `GET /api/v1/payments/{id}/public`) may be called from any
  site without credentials: `Access-Control-Allow-Origin: *`, never `...-Allow-Credentials`.
- Everything else (the authenticated API, pages) sends no CORS headers: authenticated calls
  come from merchant servers, which need none.
- The event socket (`/_event`) is same-origin only: a browser `Origin` must be the request's
  own host or PAYGATE_PUBLIC_URL, else the handshake is refused (403) before Reflex sees it.
  Our pages, the checkout in the SDK's iframe included, are on Paygate's origin.

Reflex adds a CORS middleware that reflects any Origin with credentials (`cors_allowed_origins`
defaults to "*"), on its own app and around ours; `no_reflex_cors` replaces it (see
paygate_app/paygate_app.py) and `CheckoutCors` is the policy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from paygate_app.core.settings import settings

_PUBLIC = re.compile(r"/checkout\.js|/api/v1/orders/[^/]+/public|/api/v1/payments/public|/api/v1/payments/[^/]+/public")
EVENT_PATH = "/_event"
_PREFLIGHT_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST"),
    (b"access-control-allow-headers", b"content-type, x-api-key, idempotency-key"),
    (b"access-control-max-age", b"600"),
    (b"content-length", b"0"),
]


def no_reflex_cors(api: object) -> None:
    """Stands in for Reflex's `App._add_cors`: Reflex's own CORS layer is not added."""


def is_public(path: str) -> bool:
    return _PUBLIC.fullmatch(path.rstrip("/") or "/") is not None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def _host_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    parts = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        return "", None
    return (parts.hostname or "").lower(), port


def same_origin(origin: str, host: str | None) -> bool:
    """The Origin names this server: its Host header or the configured public URL. The loopback
    names of one port (`localhost`, `127.0.0.1`, `[::1]`) are one server: a developer's browser
    may open the pages on any of them while the socket URL built into the pages names another."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https"):
        return False
    mine = _host_port(parts.netloc, parts.scheme)
    public = urlsplit(settings.paygate_public_url or f"http://localhost:{settings.paygate_port}")
    candidates = [_host_port(public.netloc, public.scheme)]
    if host is not None:
        candidates.append(_host_port(host, parts.scheme))
    for name, port in candidates:
        if mine == (name, port) or (_loopback(mine[0]) and _loopback(name) and mine[1] == port):
            return True
    return False


class CheckoutCors:
    """The policy above, as a pure ASGI middleware around the whole app (pages, socket, API)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        origin = _header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if path == EVENT_PATH or path.startswith(EVENT_PATH + "/"):
            if not same_origin(origin, _header(scope, b"host")):
                await _refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http" or not is_public(path):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            await send({"type": "http.response.start", "status": 204, "headers": _PREFLIGHT_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-")]
                message = {**message, "headers": [*headers, (b"access-control-allow-origin", b"*")]}
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
        return
    body = b"Cross-origin requests to the event socket are not allowed"
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
