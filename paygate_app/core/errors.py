"""Typed domain errors with stable codes; api/ maps them to HTTP once.

As in Razorpay's error object, an error may carry `reason` (a stable snake_case word that
client code can match) and `metadata` (ids that help, e.g. the paid order's `payment_id`).
Both are left out of the JSON body when unset.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """The stable `reason` words (CONTRACT.md, "Conventions")."""

    ORDER_ALREADY_PAID = "order_already_paid"
    REFUND_EXCEEDS_AVAILABLE = "refund_exceeds_available"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


class PaygateError(Exception):
    code = "BAD_REQUEST_ERROR"
    http_status = 400

    def __init__(self, description: str, *, reason: str | None = None, metadata: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.reason = reason
        self.metadata = metadata

    def body(self) -> dict[str, dict]:
        """The contract's error shape; `reason` and `metadata` only when set."""
        error: dict = {"code": self.code, "description": self.description}
        if self.reason:
            error["reason"] = str(self.reason)
        if self.metadata:
            error["metadata"] = self.metadata
        return {"error": error}


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

    def __init__(
        self,
        description: str,
        retry_after: int | None = 1,
        *,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description, reason=reason, metadata=metadata)
        self.retry_after = retry_after  # None: waiting does not help (no Retry-After header)


class ServiceUnavailable(PaygateError):
    code = "SERVICE_UNAVAILABLE"
    http_status = 503
    retry_after = 1  # s (the Retry-After header): outages are brief and recovery is automatic


class UnexpectedState(BadRequest):
    """A state-machine move that is not allowed from the current state."""

    def __init__(self, description: str, *, current: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(description)
        self.current = current
        self.allowed = allowed
