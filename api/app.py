"""build_api(): the FastAPI app Reflex mounts in front of its own routes."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.cors import CheckoutCors
from api.docs_ui import add_docs
from api.fast_lane import FastLane
from api.metrics import MetricsMiddleware
from api.openapi_examples import add_examples
from api.responses import error_body, error_response, json_response
from api.routes import exports, merchants, metrics, ops, orders, payments, refunds, sdk, webhooks
from api.schemas import error_responses
from api.security import RequestGuard, SecurityHeaders
from paygate_app.core.errors import PaygateError
from paygate_app.core.observability import current_request_id
from paygate_app.core.settings import settings

log = logging.getLogger("paygate.api")


def _validation_description(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "Invalid request"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return "Malformed JSON body"
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "Invalid request"))


def build_api() -> FastAPI:
    api = FastAPI(
        title="Paygate API",
        version="1.0.0",
        description="Orders, payments, refunds and webhooks (test mode). Amounts are integers in paise.",
        docs_url=None,  # api/docs_ui.py: offline Swagger UI, gated in production
        redoc_url=None,
        openapi_url=None,
    )

    @api.exception_handler(PaygateError)
    async def paygate_error(_: Request, exc: PaygateError):
        return error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError):
        return json_response(error_body("BAD_REQUEST_ERROR", _validation_description(exc)), 400)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        code = {401: "AUTHENTICATION_ERROR", 404: "NOT_FOUND_ERROR"}.get(exc.status_code, "BAD_REQUEST_ERROR")
        status = exc.status_code if exc.status_code < 500 else 500
        return json_response(error_body(code, str(exc.detail)), status)

    @api.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        request_id = current_request_id() or uuid.uuid4().hex
        log.exception("unhandled error %s on %s %s", request_id, request.method, request.url.path)
        return json_response(error_body("INTERNAL_ERROR", f"Internal error (request id {request_id})"), 500)

    _no_test_routes_in_production(api)
    api.include_router(ops.router, responses=error_responses(503))
    api.include_router(sdk.router)
    for module in (merchants, orders, payments, refunds, webhooks, metrics, exports):
        api.include_router(module.router, responses=error_responses())
    _joint_api_key_auth(api)
    add_docs(api)

    @api.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown_api_route(path: str):
        return json_response(error_body("NOT_FOUND_ERROR", f"No route /api/{path}"), 404)

    api.add_middleware(FastLane)  # inside the guard: its checks run first
    api.add_middleware(RequestGuard, max_bytes=settings.max_body_bytes)
    api.add_middleware(MetricsMiddleware)
    # Outermost: every response, including the guard's refusals and the mounted Reflex pages.
    api.add_middleware(SecurityHeaders)
    api.add_middleware(CheckoutCors)  # the only CORS policy (Reflex's own is replaced)
    return api


TEST_ROUTES = "/api/v1/test/"


def _no_test_routes_in_production(api: FastAPI) -> None:
    """Production serves no `/api/v1/test/*` route: matched first, they answer 404 like any unknown path."""
    if not settings.is_production:
        return

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @api.api_route(TEST_ROUTES + "{path:path}", methods=methods, include_in_schema=False)
    async def test_route_in_production(path: str):
        return json_response(error_body("NOT_FOUND_ERROR", f"No route {TEST_ROUTES}{path}"), 404)


def _joint_api_key_auth(api: FastAPI) -> None:
    """OpenAPI: X-Api-Key AND X-Api-Secret (FastAPI lists two dependencies as alternatives);
    an example on every request and response (api/openapi_examples.py)."""
    generate = api.openapi

    def openapi() -> dict:
        if api.openapi_schema:
            return api.openapi_schema
        schema = generate()
        if settings.is_production:
            schema["paths"] = {p: v for p, v in schema.get("paths", {}).items() if not p.startswith(TEST_ROUTES)}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                requirements = operation.get("security") if isinstance(operation, dict) else None
                if requirements and len(requirements) > 1:
                    operation["security"] = [{name: [] for req in requirements for name in req}]
        return add_examples(schema)

    api.openapi = openapi  # type: ignore[method-assign]
