"""Pure-ASGI guards for hostile input and security headers for every response (API and pages).

`RequestGuard` sits in front of the API: it caps the body, refuses deeply nested JSON, NUL
characters and lone surrogates (which would reach the database as 500s) before FastAPI parses
anything, all as 400s in the contract's error shape.

`SecurityHeaders` wraps the whole app (Reflex pages, the event socket and the API):
Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, Referrer-Policy and
Permissions-Policy on every HTTP response. Pages are locked with a hash-based script policy:
the inline scripts Reflex/React Router prerender into each page are hashed from the response
itself, so they run and nothing injected later does. Reflex evaluates `rx.call_script` code
with `eval`, hence `'unsafe-eval'`. Only `/checkout` (the SDK's iframe) may be framed.

    rx.App(api_transformer=[build_api(), secure_headers])
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import posixpath
import re
from collections import OrderedDict
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import error_body, json_response
from paygate_app.core.settings import settings

MAX_JSON_DEPTH = 32
_MAX_HTML_BYTES = 4 * 1024 * 1024
_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
_MARK = "paygate.security_headers"


# ---- hostile input -----------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


def _json_problem(body: bytes) -> str | None:
    """Why this JSON body must be refused before FastAPI sees it, or None if it may pass."""
    try:
        value = json.loads(body)  # the parser FastAPI uses, so both agree on what the body is
    except RecursionError:
        return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError:
        return None  # FastAPI answers malformed JSON itself (400 "Malformed JSON body")
    # Iterative walk: depth, NUL characters and lone surrogates (PostgreSQL and orjson refuse them).
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
            if isinstance(item, dict):
                if any(_BAD_CHARS.search(key) for key in item):
                    return "NUL characters and unpaired surrogates are not allowed"
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _BAD_CHARS.search(item):
            return "NUL characters and unpaired surrogates are not allowed"
    return None


def _url_problem(scope: Scope) -> str | None:
    """NUL characters anywhere in the URL, or a query parameter given twice (which value wins is
    a parser detail an attacker should not get to pick)."""
    if "\x00" in scope["path"]:
        return "NUL characters are not allowed in the URL"
    names = set()
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return "NUL characters are not allowed in the URL"
        if name in names:
            return f"Query parameter {name!r} given more than once"
        names.add(name)
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # FastAPI parses a body without Content-Type as JSON


class RequestGuard:
    """Refuse oversized bodies, deep JSON nesting and NUL/surrogates on /api/ (400, error shape)."""

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes if max_bytes is not None else settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        problem = _url_problem(scope)
        if problem:
            await _refuse(scope, receive, send, problem)
            return
        too_large = f"Request body larger than {self.max_bytes} bytes"
        declared = _header(scope["headers"], b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(scope, receive, send, too_large)
            return
        try:
            body = await self._read(receive)
        except _TooLarge:
            await _refuse(scope, receive, send, too_large)
            return
        except _Disconnected:
            return
        problem = _json_problem(body) if body.strip() and _is_json(scope) else None
        if problem:
            await _refuse(scope, receive, send, problem)
            return
        await self.app(scope, replay_body(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)


class _Disconnected(Exception):
    pass


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on a body already read, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(scope: Scope, receive: Receive, send: Send, description: str) -> None:
    await json_response(error_body("BAD_REQUEST_ERROR", description), 400)(scope, receive, send)


# ---- security headers --------------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str] | None:
    """(http origin, websocket origin) of a configured public URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"


def _public_sources() -> str:
    """Where the built pages open their event socket: Reflex bakes `api_url` into the bundle."""
    origin = _origin(settings.paygate_public_url or f"http://localhost:{settings.paygate_port}")
    return " ".join(origin) if origin else ""


API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's files are served from /docs/assets (api/docs_ui.py): /docs loads nothing from a CDN.
_DOCS_EXTRA: dict[str, str] = {}
_DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")


def page_policy(script_hashes: Iterable[str] | None, *, frameable: bool, docs: bool = False) -> str:
    """The CSP of an HTML page. `script_hashes=None` means the page could not be hashed."""
    scripts = "'self' 'unsafe-eval' " + (
        " ".join(f"'sha256-{h}'" for h in script_hashes) if script_hashes is not None else "'unsafe-inline'"
    )
    directives = {
        "default-src": "'self'",
        "script-src": scripts.strip(),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": f"'self' {_public_sources()}".strip(),
        "frame-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "*" if frameable else "'none'",
    }
    if docs:
        for name, extra in _DOCS_EXTRA.items():
            directives[name] = f"{directives[name]} {extra}"
    return "; ".join(f"{k} {v}" for k, v in directives.items())


_CHECKOUT_DOCUMENTS = frozenset({"/checkout", "/checkout.html", "/checkout/index.html"})


def normalised_path(path: str) -> str:
    """The path as a file server may read it: percent-decoded until stable (`%252f` too),
    backslashes as slashes, dot segments and repeated slashes removed."""
    decoded = path
    for _ in range(4):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    return posixpath.normpath("/" + decoded.replace("\\", "/").lstrip("/"))


def is_frameable(path: str) -> bool:
    """Only the hosted checkout page itself may be framed (the SDK's iframe on merchant sites),
    decided on the normalised path: `/checkout/..%2fdashboard%2f` is the dashboard."""
    return normalised_path(path) in _CHECKOUT_DOCUMENTS


def inline_script_hashes(html: bytes) -> list[str]:
    """Base64 SHA-256 of every inline <script> body, as CSP wants them."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(html):
        digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
        if digest not in hashes:
            hashes.append(digest)
    return hashes


class _HashCache:
    """Pages are static builds: hash each distinct body once."""

    def __init__(self, size: int = 128) -> None:
        self.size, self.items = size, OrderedDict[bytes, list[str] | None]()

    def get(self, body: bytes, encoding: str) -> list[str] | None:
        key = hashlib.sha1(encoding.encode() + b"\0" + body, usedforsecurity=False).digest()
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        hashes = self._compute(body, encoding)
        self.items[key] = hashes
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return hashes

    @staticmethod
    def _compute(body: bytes, encoding: str) -> list[str] | None:
        if encoding in ("", "identity"):
            return inline_script_hashes(body)
        if encoding == "gzip":
            try:
                return inline_script_hashes(gzip.decompress(body))
            except (OSError, EOFError):
                return None
        return None  # br/zstd: fall back to 'unsafe-inline' rather than break the page


async def _read_file(path: str) -> bytes:
    return await anyio.Path(path).read_bytes()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class SecurityHeaders:
    """Add the security headers to every HTTP response of the wrapped app (idempotent if nested)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cache = _HashCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get(_MARK):
            await self.app(scope, receive, send)
            return
        scope[_MARK] = True
        path: str = scope["path"]
        frameable = is_frameable(path)
        start: Message | None = None
        chunks: list[bytes] = []
        buffered = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal start, buffered
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = (_header(headers, b"content-type") or b"").lower()
                if message["status"] == 304 or _header(headers, b"content-security-policy") is not None:
                    # A 304 keeps the cached page's policy (its hashes match the cached body).
                    await send({**message, "headers": self._base(headers, scope, frameable, None)})
                    return
                if content_type.startswith(b"text/html"):
                    start = {**message, "headers": headers}
                    return
                await send({**message, "headers": self._base(headers, scope, frameable, API_POLICY)})
                return
            if message["type"] == "http.response.pathsend" and start is not None:
                # Granian's zero-copy file send (StaticFiles): read the page to hash it.
                message = {"type": "http.response.body", "body": await _read_file(message["path"])}
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                buffered += len(chunks[-1])
                if message.get("more_body") and buffered <= _MAX_HTML_BYTES:
                    return
                body = b"".join(chunks)
                headers = start["headers"]
                complete = not message.get("more_body")
                encoding = (_header(headers, b"content-encoding") or b"").decode("latin-1").strip().lower()
                hashes = self.cache.get(body, encoding) if complete else None
                policy = page_policy(hashes, frameable=frameable, docs=path in _DOCS_PATHS)
                await send({**start, "headers": self._base(headers, scope, frameable, policy)})
                start = None
                await send({**message, "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)

    @staticmethod
    def _base(
        headers: list[tuple[bytes, bytes]], scope: Scope, frameable: bool, policy: str | None
    ) -> list[tuple[bytes, bytes]]:
        present = {key.lower() for key, _ in headers}
        extra: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if not frameable:
            extra.append((b"x-frame-options", b"DENY"))
        if policy is not None:
            extra.append((b"content-security-policy", policy.encode()))
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        return headers + [(k, v) for k, v in extra if k not in present]


def secure_headers(app: ASGIApp) -> ASGIApp:
    """The `api_transformer` entry: wrap the whole Reflex app (pages, socket, API)."""
    return SecurityHeaders(app)
