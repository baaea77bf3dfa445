"""Security headers on every response: the API in-process, and pages through the ASGI wrapper."""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from api.security import SecurityHeaders, secure_headers

PAGE = (
    b"<!doctype html><html><head><script>window.a = 1;</script></head><body>"
    b'<script type="module">import "/assets/x.js";</script><script src="/assets/y.js"></script></body></html>'
)


def sha(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2] for part in policy.split(";")}


def pages_app(tmp_path: Path):
    """A stand-in for Reflex's static pages: plain, gzip, zero-copy file send, 304."""
    (tmp_path / "login.html").write_bytes(PAGE)

    async def plain(request):
        return HTMLResponse(PAGE)

    async def gzipped(request):
        return Response(gzip.compress(PAGE), media_type="text/html", headers={"Content-Encoding": "gzip"})

    async def file(request):
        return FileResponse(tmp_path / "login.html", media_type="text/html")

    async def not_modified(request):
        return Response(status_code=304)

    routes = [
        Route(p, h)
        for p, h in [
            ("/login", plain),
            ("/checkout", plain),
            ("/gz", gzipped),
            ("/file", file),
            ("/cached", not_modified),
            ("/docs", plain),
        ]
    ]
    return Starlette(routes=routes)


@pytest.fixture
async def pages(tmp_path) -> httpx.AsyncClient:
    app = secure_headers(pages_app(tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://paygate.test") as c:
        yield c


async def test_api_responses_carry_the_security_headers(client: httpx.AsyncClient, anon: httpx.AsyncClient):
    for r in (
        await client.get("/api/v1/orders"),
        await anon.get("/api/v1/orders"),
        await anon.get("/health"),
        await anon.get("/api/v1/nope"),
        await anon.get("/checkout.js"),
    ):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "DENY"
        csp = directives(r.headers["content-security-policy"])
        assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'"


async def test_guard_refusals_carry_the_security_headers(anon: httpx.AsyncClient):
    r = await anon.post("/api/v1/orders", content=b"[" * 100 + b"]" * 100, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.headers["x-content-type-options"] == "nosniff"


async def test_page_policy_allows_exactly_its_inline_scripts(pages: httpx.AsyncClient):
    r = await pages.get("/login")
    csp = directives(r.headers["content-security-policy"])
    scripts = csp["script-src"].split()
    assert sha(b"window.a = 1;") in scripts and sha(b'import "/assets/x.js";') in scripts
    assert "'unsafe-inline'" not in scripts and "'self'" in scripts
    assert csp["frame-ancestors"] == "'none'" and r.headers["x-frame-options"] == "DENY"
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'self'"
    assert r.content == PAGE


async def test_gzip_and_zero_copy_pages_are_hashed_too(pages: httpx.AsyncClient):
    expected = sha(b"window.a = 1;")
    for path in ("/gz", "/file"):
        r = await pages.get(path)
        assert expected in r.headers["content-security-policy"], path
        assert r.content == PAGE


async def test_checkout_may_be_framed_by_any_site(pages: httpx.AsyncClient):
    r = await pages.get("/checkout", params={"order_id": "order_x", "embedded": "true"})
    assert directives(r.headers["content-security-policy"])["frame-ancestors"] == "*"
    assert "x-frame-options" not in r.headers


async def test_not_modified_keeps_the_cached_policy(pages: httpx.AsyncClient):
    r = await pages.get("/cached")
    assert r.status_code == 304 and "content-security-policy" not in r.headers
    assert r.headers["x-frame-options"] == "DENY"


async def test_docs_loads_nothing_from_a_cdn(pages: httpx.AsyncClient):
    csp = directives((await pages.get("/docs")).headers["content-security-policy"])
    assert "https:" not in " ".join(csp.values()) and csp["frame-ancestors"] == "'none'"


async def test_wrapping_twice_adds_each_header_once(tmp_path):
    app = SecurityHeaders(SecurityHeaders(pages_app(tmp_path)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/login")
    assert len(r.headers.get_list("content-security-policy")) == 1
    assert len(r.headers.get_list("x-frame-options")) == 1


async def test_https_adds_strict_transport_security(tmp_path):
    app = secure_headers(pages_app(tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://t") as c:
        assert (await c.get("/login")).headers["strict-transport-security"].startswith("max-age=")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert "strict-transport-security" not in (await c.get("/login")).headers


async def test_zero_copy_file_send_is_read_and_hashed(tmp_path):
    """Granian serves static pages with `http.response.pathsend`; the page must still be hashed."""
    page = tmp_path / "index.html"
    page.write_bytes(PAGE)

    async def static(scope, receive, send):
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(PAGE)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(page)})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/login/",
        "headers": [],
        "scheme": "http",
        "extensions": {"http.response.pathsend": {}},
    }
    await secure_headers(static)(scope, receive, send)
    start, body = sent
    assert sha(b"window.a = 1;") in dict(start["headers"])[b"content-security-policy"].decode()
    assert body == {"type": "http.response.body", "body": PAGE}
