"""MetricsMiddleware: requests by route template and status, latency histograms, request ids.

Pure ASGI (no BaseHTTPMiddleware): one `perf_counter` pair, a wrapped `send`, and a dict lookup
for cached metric children per request. Labels use the matched route's template
(`/api/v1/payments/{payment_id}`), never the raw path, so ids cannot blow up cardinality;
Reflex's static pages share one label (`/{path}`) and unmatched paths are `<unmatched>`.

Every HTTP request gets a request id: the client's `X-Request-ID` when it is short and plain,
otherwise a fresh one. It is bound to the log context (every log line carries it) and echoed in
the response's `X-Request-ID` header.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paygate_app.core.observability import HTTP_LATENCY, HTTP_REQUESTS, bind_log_fields, reset_log_fields

_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(scope: Scope) -> str:
    """The template of the innermost route that handled the request."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or os.urandom(8).hex().encode()
        token = bind_log_fields(request_id=request_id.decode())
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            reset_log_fields(token)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self._record(method, route_label(scope), status, time.perf_counter() - started)

    def _record(self, method: str, route: str, status: int, seconds: float) -> None:
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = HTTP_REQUESTS.labels(method, route, str(status))
        timer = self._timers.get((method, route))
        if timer is None:
            timer = self._timers[(method, route)] = HTTP_LATENCY.labels(method, route)
        counter.inc()
        timer.observe(seconds)


def _incoming_request_id(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value if _REQUEST_ID.match(value) else None
    return None
