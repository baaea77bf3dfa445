"""Examples for the OpenAPI document: one per request and response model, one per error status.

Kept apart from the models (api/schemas.py) so the contract's shapes and their illustrations can
change independently; tests/kit/test_api_docs.py checks every example against its schema.
"""

from __future__ import annotations

from typing import Any

_MERCHANT_ID = "550e8400-e29b-41d4-a716-446655440000"
_AT = "2026-12-07T10:15:30Z"
_ORDER = {
    "id": "order_NXhj3kPz8Qw2LmYt", "merchant_id": _MERCHANT_ID, "amount": 50000, "currency": "INR",
    "receipt": "receipt_123", "notes": {"cart": "42"}, "status": "created", "created_at": _AT,
}  # fmt: skip
_PAYMENT = {
    "id": "pay_H8sK2mPq9TzX4bVn", "order_id": _ORDER["id"], "amount": 50000, "currency": "INR",
    "method": "upi", "vpa": "shopper@okbank", "status": "success", "captured": False, "created_at": _AT,
    "error_code": None, "error_description": None, "updated_at": "2026-12-07T10:15:31Z",
}  # fmt: skip
_REFUND = {
    "id": "rfnd_Qw7Zp2Lm9Kx4Vb8N", "payment_id": _PAYMENT["id"], "amount": 10000, "reason": "Customer request",
    "status": "processed", "created_at": _AT, "processed_at": "2026-12-07T10:15:34Z",
}  # fmt: skip
_LOG = {
    "id": "8f14e45f-ceea-467f-a0e6-2c2b1d0f9a11", "event": "payment.success", "status": "success", "attempts": 1,
    "created_at": _AT, "last_attempt_at": _AT, "next_retry_at": None, "response_code": 200,
}  # fmt: skip
_MERCHANT = {"id": _MERCHANT_ID, "name": "Test Merchant", "email": "test@example.com", "api_key": "key_test_abc123"}
_API_SECRET = "secret_" + "X" * 32  # illustrations only, not real credentials
_WEBHOOK_SECRET = "whsec_" + "A" * 43 + "="
_COUNTS = {"pending": 2, "processing": 1, "completed": 120, "failed": 0}


def _page(item: dict) -> dict:
    return {"data": [item], "total": 1, "limit": 10, "offset": 0}


SCHEMA_EXAMPLES: dict[str, Any] = {
    "RegisterIn": {"name": "Acme Store", "email": "owner@acme.example", "password": "s3cret-pass"},
    "LoginIn": {"email": "test@example.com", "password": "test123"},
    "MerchantOut": _MERCHANT,
    "MerchantWithSecrets": {
        **_MERCHANT,
        "api_secret": _API_SECRET,
        "webhook_secret": _WEBHOOK_SECRET,
    },
    "LoginOut": {"merchant": _MERCHANT},
    "RegisterOut": {"merchant": {**_MERCHANT, "api_secret": _API_SECRET, "webhook_secret": _WEBHOOK_SECRET}},
    "TestMerchantOut": {"id": _MERCHANT_ID, "email": "test@example.com", "api_key": "key_test_abc123", "seeded": True},
    "OrderCreate": {"amount": 50000, "currency": "INR", "receipt": "receipt_123", "notes": {"cart": "42"}},
    "OrderOut": _ORDER,
    "OrderOutList": _page(_ORDER),
    "OrderPublicOut": {
        "id": _ORDER["id"],
        "amount": 50000,
        "currency": "INR",
        "status": "created",
        "merchant_name": "Test Merchant",
    },
    "CardIn": {
        "number": "4111 1111 1111 1111",
        "expiry_month": "12",
        "expiry_year": "2030",
        "cvv": "123",
        "holder_name": "Asha Rao",
    },
    "PaymentCreate": {"order_id": _ORDER["id"], "method": "upi", "vpa": "shopper@okbank"},
    "PaymentOut": _PAYMENT,
    "PaymentOutList": _page(_PAYMENT),
    "CaptureIn": {"amount": 50000},
    "RefundCreate": {"amount": 10000, "reason": "Customer request"},
    "RefundCreateFull": {"payment_id": _PAYMENT["id"], "amount": 10000, "reason": "Customer request"},
    "RefundOut": _REFUND,
    "RefundOutList": _page(_REFUND),
    "WebhookConfigIn": {"webhook_url": "https://shop.example/webhooks/paygate"},
    "WebhookConfigOut": {
        "webhook_url": "https://shop.example/webhooks/paygate",
        "webhook_secret": _WEBHOOK_SECRET,
    },
    "WebhookSecretOut": {"webhook_secret": _WEBHOOK_SECRET},
    "WebhookTestOut": {"id": _LOG["id"], "status": "pending"},
    "WebhookLogOut": _LOG,
    "WebhookLogOutList": _page(_LOG),
    "WebhookAttemptOut": {"attempt": 1, "response_code": 200, "error": None, "duration_ms": 42, "created_at": _AT},
    "WebhookLogDetail": {
        **_LOG,
        "payload": {"event": "payment.success", "sequence": 3, "timestamp": 1796638531, "data": {"payment": _PAYMENT}},
        "attempt_history": [{"attempt": 1, "response_code": 200, "error": None, "duration_ms": 42, "created_at": _AT}],
    },
    "WebhookRetryOut": {"id": _LOG["id"], "status": "pending", "message": "Webhook retry scheduled"},
    "HealthOut": {
        "status": "healthy",
        "database": "connected",
        "redis": "connected",
        "worker": "running",
        "timestamp": _AT,
    },
    "JobsStatusOut": {**_COUNTS, "worker_status": "running"},
    "QueueCounts": _COUNTS,
    "QueueStatusOut": {"payments": _COUNTS, "refunds": _COUNTS, "webhooks": _COUNTS},
    "ErrorOut": {"error": {"code": "BAD_REQUEST_ERROR", "description": "amount: Input should be a valid integer"}},
    "ErrorDetail": {"code": "BAD_REQUEST_ERROR", "description": "amount: Input should be a valid integer"},
}

ERROR_EXAMPLES: dict[str, tuple[str, str]] = {
    "400": ("BAD_REQUEST_ERROR", "amount: Input should be a valid integer"),
    "401": ("AUTHENTICATION_ERROR", "Invalid API credentials"),
    "404": ("NOT_FOUND_ERROR", "Order not found"),
    "409": ("IDEMPOTENCY_CONFLICT", "A request with this Idempotency-Key is still being processed"),
    "422": ("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was used with a different request body"),
    "429": ("RATE_LIMITED", "Too many requests"),
    "503": ("SERVICE_UNAVAILABLE", "Database unavailable"),
}


def _ref_name(schema: dict) -> str | None:
    """The component a schema points at (also through an optional body's `anyOf: [ref, null]`)."""
    refs = [schema.get("$ref", "")] + [s.get("$ref", "") for s in schema.get("anyOf", [])]
    ref = next((r for r in refs if r), "")
    return ref.rsplit("/", 1)[-1] if ref else None


def add_examples(openapi: dict) -> dict:
    """Put an example on every component schema we know and on every JSON request/response."""
    for name, schema in openapi.get("components", {}).get("schemas", {}).items():
        if name in SCHEMA_EXAMPLES:
            schema["examples"] = [SCHEMA_EXAMPLES[name]]
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body and _ref_name(body.get("schema", {})) in SCHEMA_EXAMPLES:
                body["example"] = SCHEMA_EXAMPLES[_ref_name(body["schema"])]
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                if content is None:
                    continue
                name = _ref_name(content.get("schema", {}))
                if name == "ErrorOut" and status in ERROR_EXAMPLES:
                    code, description = ERROR_EXAMPLES[status]
                    content["example"] = {"error": {"code": code, "description": description}}
                elif name in SCHEMA_EXAMPLES:
                    content["example"] = SCHEMA_EXAMPLES[name]
    return openapi
