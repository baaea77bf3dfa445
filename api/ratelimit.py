"""The HTTP face of the rate limits in `paygate_app.core.ratelimit`: the same functions, plus how
a request's client address is read. See the core module for the limits themselves."""

from __future__ import annotations

from fastapi import Request

from paygate_app.core.ratelimit import RateLimited, limit_api_key, limit_ip, limit_webhook_test, reset

__all__ = ["RateLimited", "client_ip", "limit_api_key", "limit_ip", "limit_webhook_test", "reset"]


def client_ip(request: Request) -> str:
    """The peer address. X-Forwarded-For is not trusted: behind a proxy, configure the server to
    rewrite the peer address from the proxy's header instead."""
    return request.client.host if request.client else "unknown"
