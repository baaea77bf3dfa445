"""Typed domain errors with stable codes; api/ maps them to HTTP once."""

from __future__ import annotations


class PaygateError(Exception):
    code = "BAD_REQUEST_ERROR"
    http_status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(PaygateError):
    pass


class InvalidVpa(PaygateError):
    code = "INVALID_VPA"


class InvalidCard(PaygateError):
    code = "INVALID_CARD"


class ExpiredCard(PaygateError):
    code = "EXPIRED_CARD"


class AuthenticationFailed(PaygateError):
    code = "AUTHENTICATION_ERROR"
    http_status = 401


class NotFound(PaygateError):
    code = "NOT_FOUND_ERROR"
    http_status = 404


class IdempotencyConflict(PaygateError):
    code = "IDEMPOTENCY_CONFLICT"
    http_status = 409


class IdempotencyKeyReused(PaygateError):
    code = "IDEMPOTENCY_KEY_REUSED"
    http_status = 422


class RateLimited(PaygateError):
    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, description: str, retry_after: int = 1) -> None:
        super().__init__(description)
        self.retry_after = retry_after


class ServiceUnavailable(PaygateError):
    code = "SERVICE_UNAVAILABLE"
    http_status = 503


class UnexpectedState(BadRequest):
    """A state-machine move that is not allowed from the current state."""

    def __init__(self, description: str, *, current: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(description)
        self.current = current
        self.allowed = allowed
