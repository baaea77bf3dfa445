"""Run a create operation under an optional Idempotency-Key: replay byte-for-byte, 409, 422."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from starlette.responses import Response

from api.responses import json_bytes
from paygate_app.core import idempotency
from paygate_app.core.errors import PaygateError

Operation = Callable[[], Awaitable[Any]]


def _response(status: int, body: bytes) -> Response:
    return Response(body, status_code=status, media_type="application/json")


async def run_idempotent(
    request: Request, merchant_id: str, operation: Operation, *, status: int = 201, public_order_id: str | None = None
) -> Response:
    """`public_order_id`: an anonymous endpoint; its keys are that order's, apart from the merchant's."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return _response(status, json_bytes(await operation()))
    started = await idempotency.begin(
        merchant_id=merchant_id,
        key=key,
        fingerprint=idempotency.request_fingerprint(request.url.path, await request.body()),
        public_order_id=public_order_id,
    )
    if isinstance(started, idempotency.Replay):
        return _response(started.status, started.body)
    try:
        body, code = json_bytes(await operation()), status
    except PaygateError as exc:
        body, code = json_bytes(exc.body()), exc.http_status
    except BaseException:
        await idempotency.finish(started, status=500, body=b"")
        raise
    await idempotency.finish(started, status=code, body=body)
    return _response(code, body)
