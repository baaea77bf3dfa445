"""Run a create operation under an optional Idempotency-Key: replay byte-for-byte, 409, 422.

The operation gets the request's claim on the key (None without a key) and returns its answer's
exact bytes. A create (order, payment, refund) hands the claim to the core, which completes the
key with those bytes in the transaction that inserts the resource (core/idempotency.py); an answer
the operation did not store itself (a 4xx refusal) is stored here after it; a 5xx frees the key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.responses import Response

from api.responses import json_bytes
from paygate_app.core import idempotency
from paygate_app.core.errors import PaygateError

Operation = Callable[[idempotency.Claim | None], Awaitable[bytes]]


def _response(status: int, body: bytes) -> Response:
    return Response(body, status_code=status, media_type="application/json")


async def run_idempotent(
    request: Request, merchant_id: str, operation: Operation, *, status: int = 201, public_order_id: str | None = None
) -> Response:
    """`public_order_id`: an anonymous endpoint; its keys are that order's, apart from the merchant's."""
    code, body = await answer_idempotent(
        request.headers.get("idempotency-key"),
        request.url.path,
        await request.body(),
        merchant_id,
        operation,
        status=status,
        public_order_id=public_order_id,
    )
    return _response(code, body)


async def answer_idempotent(
    key: str | None,
    path: str,
    request_body: bytes,
    merchant_id: str,
    operation: Operation,
    *,
    status: int = 201,
    public_order_id: str | None = None,
) -> tuple[int, bytes]:
    """(status, body) of this request: the operation's answer, or the key's first one replayed.
    Without a key an error is raised as usual; with one, a 4xx is stored and answered like a 2xx."""
    if key is None:
        return status, await operation(None)
    claim = await idempotency.begin(
        merchant_id=merchant_id,
        key=key,
        fingerprint=idempotency.request_fingerprint(path, request_body),
        public_order_id=public_order_id,
    )
    if isinstance(claim, idempotency.Replay):
        return claim.status, claim.body
    try:
        body, code = await operation(claim), status
    except PaygateError as exc:
        if exc.http_status >= 500:
            await idempotency.release(claim)
            raise
        body, code = json_bytes(exc.body()), exc.http_status
    except BaseException:
        await idempotency.release(claim)
        raise
    await idempotency.finish(claim, status=code, body=body)
    return code, body
