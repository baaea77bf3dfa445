"""The embeddable widget at /checkout.js (GET and HEAD), from `assets/checkout.js`.

`assets/` is the folder Reflex serves; this route sits in front of it so the widget also gets
what Reflex's static files do not send: `Access-Control-Allow-Origin: *` (any merchant page may
load it), and caching by URL - a short `max-age` for the plain URL, a year and `immutable` for
the versioned `/checkout.js?v=<version>` (the first 12 hex digits of the file's SHA-256, also
its ETag). A stale `v` gets the current file with the short lifetime.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from paygate_app.core.settings import ROOT

router = APIRouter(tags=["sdk"])
SDK_PATH = ROOT / "assets" / "checkout.js"
SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=31536000, immutable"
VERSION_PARAMETER = {
    "name": "v",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "example": "3f2a9c41d0be",
    "description": "The widget's version (`X-Paygate-SDK-Version`): the matching URL is cached for a year.",
}


@dataclass(frozen=True)
class Widget:
    body: bytes
    version: str
    etag: str


@lru_cache(maxsize=1)
def widget() -> Widget:
    body = SDK_PATH.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    return Widget(body=body, version=digest[:12], etag=f'"{digest[:32]}"')


@router.get(
    "/checkout.js",
    response_class=Response,
    responses={200: {"content": {"application/javascript": {}}}, 304: {"description": "Not modified"}},
    # `v` is read from the query string (any value is valid, so there is no 422 to document).
    openapi_extra={"parameters": [VERSION_PARAMETER]},
)
@router.head("/checkout.js", response_class=Response, include_in_schema=False)
async def checkout_js(request: Request) -> Response:
    """The widget; `?v=<version>` (see `sdk_version`) is cached for a year."""
    sdk = widget()
    v = request.query_params.get("v")
    headers = {
        "ETag": sdk.etag,
        "Cache-Control": LONG_CACHE if v == sdk.version else SHORT_CACHE,
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Paygate-SDK-Version": sdk.version,
    }
    if request.headers.get("if-none-match") == sdk.etag:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(sdk.body))
    body = b"" if request.method == "HEAD" else sdk.body
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)
