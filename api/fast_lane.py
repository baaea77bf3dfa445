"""The fast lane of the two hot create endpoints: POST /api/v1/orders and POST /api/v1/payments.

FastAPI's routing and dependency solving were about half of the API's CPU per create
(bench/README.md). This pure-ASGI layer answers the plain case of those two routes itself, with
the same request models, the same authentication and rate limits, the same core calls and the
same response bytes. Anything else goes on to FastAPI untouched: a request with an
Idempotency-Key, a content type other than JSON, a body that is not JSON or that the model
refuses. Every error message keeps its one source (a refused body reaches FastAPI before
anything with a side effect ran here).

It sits inside `RequestGuard` (size, nesting and NUL checks have run) and sets `scope["route"]`
to a label with the template of the FastAPI route it stands for, so metrics label both lanes alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.deps import authenticate_client
from api.responses import error_response, json_bytes
from api.routes import orders as order_routes
from api.routes import payments as payment_routes
from api.schemas import OrderCreate, PaymentCreate
from api.security import replay_body
from paygate_app.core.errors import PaygateError

Handler = Callable[[str, Any], Awaitable[dict]]
# FastAPI parses a body as JSON when the content type is absent, application/json or */*+json.
_JSON_TYPES = frozenset({b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8"})


@dataclass(frozen=True)
class RouteLabel:
    """What `scope["route"]` needs for the metrics label (api/metrics.py reads `path_format`)."""

    path_format: str


@dataclass(frozen=True)
class Lane:
    model: type[BaseModel]
    handle: Handler
    route: RouteLabel


LANES: dict[str, Lane] = {
    "/api/v1/orders": Lane(OrderCreate, order_routes.create_for, RouteLabel("/api/v1/orders")),
    "/api/v1/payments": Lane(PaymentCreate, payment_routes.create_for, RouteLabel("/api/v1/payments")),
}


class FastLane:
    def __init__(self, app: ASGIApp, lanes: dict[str, Lane] | None = None) -> None:
        self.app = app
        self.lanes = LANES if lanes is None else lanes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane = self.lanes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        credentials = _plain_credentials(scope["headers"]) if lane is not None else None
        if lane is None or credentials is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away
        try:
            data = lane.model.model_validate(orjson.loads(body))
        except (orjson.JSONDecodeError, ValidationError):
            await self.app(scope, replay_body(body, receive), send)  # FastAPI words the 400
            return
        scope["route"] = lane.route
        client = scope.get("client")
        try:
            merchant = await authenticate_client(*credentials, client[0] if client else "unknown")
            response: Response = Response(
                json_bytes(await lane.handle(merchant.id, data)), 201, None, "application/json"
            )
        except PaygateError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


def _plain_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None] | None:
    """(X-Api-Key, X-Api-Secret) when this request may take the fast lane, else None."""
    key = secret = None
    for name, value in headers:
        if name == b"x-api-key":
            key = value.decode("latin-1") if key is None else key
        elif name == b"x-api-secret":
            secret = value.decode("latin-1") if secret is None else secret
        elif name == b"idempotency-key" or (name == b"content-type" and value.lower() not in _JSON_TYPES):
            return None
    return key, secret


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
