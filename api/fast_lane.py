"""The fast lane of the two hot create endpoints: POST /api/v1/orders and POST /api/v1/payments.

FastAPI's routing and dependency solving were about half of the API's CPU per create
(bench/README.md). This pure-ASGI layer answers the plain case of those two routes itself, with
the same request models, the same authentication and rate limits, the same core calls and the
same response bytes. A request with an Idempotency-Key runs the same way as on FastAPI's route
(api/idempotent.py: the key claimed, then the create completes it in its own transaction).
Anything else goes on to FastAPI untouched: a content type other than JSON, a body that is not
JSON or that the model refuses, an Idempotency-Key FastAPI would refuse (empty, too long, sent
twice). Every error message keeps its one source (a refused body reaches FastAPI before anything
with a side effect ran here).

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
from api.idempotent import answer_idempotent
from api.responses import error_response
from api.routes import orders as order_routes
from api.routes import payments as payment_routes
from api.schemas import OrderCreate, PaymentCreate
from api.security import replay_body
from paygate_app.core.errors import PaygateError
from paygate_app.core.idempotency import MAX_KEY_LENGTH, Claim

Handler = Callable[[str, Any, Claim | None], Awaitable[bytes]]  # (merchant id, body, claim) → the answer
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
            address = client[0] if client else "unknown"
            merchant = await authenticate_client(credentials.key, credentials.secret, address)
            status, answer = await answer_idempotent(
                credentials.idempotency_key,
                scope["path"],
                body,
                merchant.id,
                lambda claim: lane.handle(merchant.id, data, claim),
            )
            response: Response = Response(answer, status, None, "application/json")
        except PaygateError as exc:
            response = error_response(exc)
        await response(scope, receive, send)


@dataclass(frozen=True)
class Credentials:
    key: str | None  # X-Api-Key
    secret: str | None  # X-Api-Secret
    idempotency_key: str | None


def _plain_credentials(headers: list[tuple[bytes, bytes]]) -> Credentials | None:
    """The request's credentials and Idempotency-Key when it may take the fast lane, else None."""
    key = secret = idempotency_key = None
    for name, value in headers:
        if name == b"x-api-key":
            key = value.decode("latin-1") if key is None else key
        elif name == b"x-api-secret":
            secret = value.decode("latin-1") if secret is None else secret
        elif name == b"idempotency-key":
            if idempotency_key is not None or not 1 <= len(value) <= MAX_KEY_LENGTH:
                return None  # FastAPI words the refusal (or takes the first of two, as it does)
            idempotency_key = value.decode("latin-1")
        elif name == b"content-type" and value.lower() not in _JSON_TYPES:
            return None
    return Credentials(key, secret, idempotency_key)


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
