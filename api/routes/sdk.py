"""Serve the embeddable widget at /checkout.js with an ETag."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from paygate_app.core.settings import ROOT

router = APIRouter(tags=["sdk"])
SDK_PATH = ROOT / "sdk_js" / "checkout.js"


@lru_cache(maxsize=1)
def _sdk() -> tuple[bytes, str]:
    body = SDK_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@router.get("/checkout.js", response_class=Response, responses={200: {"content": {"application/javascript": {}}}})
async def checkout_js(request: Request) -> Response:
    body, etag = _sdk()
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)
