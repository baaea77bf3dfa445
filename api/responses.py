"""Fast JSON responses (orjson) and the contract's error shape."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from paygate_app.core.errors import PaygateError


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content)


def answers(model: type, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The documented answer of a route (OpenAPI), without FastAPI validating it: every route
    returns its exact bytes itself (`json_response`, api/idempotent.py, the fast lane), so a
    `response_model` would be a declaration nothing applies. The shapes are checked by the
    tests that validate answers against this schema (tests/api/test_response_shapes.py)."""
    return {status: {"model": model, "description": "Successful Response"}}


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(content), status_code=status, media_type="application/json", headers=headers)


def error_body(code: str, description: str) -> dict[str, Any]:
    return {"error": {"code": code, "description": description}}


def error_response(exc: PaygateError) -> Response:
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return json_response(exc.body(), exc.http_status, headers)
