"""Request and response models: the HTTP contract only (validation of rules lives in the core).

Every string, list and integer a client sends is bounded here, so the OpenAPI schema states the
limits and anything beyond them is a 400 before the core runs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, WithJsonSchema

from paygate_app.core.orders import MAX_AMOUNT, MIN_AMOUNT

Amount = Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT, description="Integer amount in paise (minor units)")]
OrderAmount = Annotated[StrictInt, Field(ge=MIN_AMOUNT, le=MAX_AMOUNT, description="Integer amount in paise, ≥ 100")]
ResourceId = Annotated[StrictStr, Field(min_length=1, max_length=64)]
NoteValue = (
    Annotated[StrictStr, Field(max_length=256)]
    | StrictBool
    | Annotated[StrictInt, Field(ge=-(2**53), le=2**53)]
    | Annotated[StrictFloat, Field(ge=-(2**53), le=2**53, allow_inf_nan=False)]
    | None
)
Notes = Annotated[
    dict[Annotated[str, Field(max_length=40)], NoteValue],
    Field(max_length=15, description="Up to 15 keys (≤ 40 chars) of strings (≤ 256 chars), numbers or booleans"),
]
# Card fields stay loosely typed so the core answers INVALID_CARD / EXPIRED_CARD, not a generic 400;
# the schema still states what is expected.
_DIGITS_OR_INT = {"anyOf": [{"type": "string", "maxLength": 32}, {"type": "integer"}]}
CardField = Annotated[Any, WithJsonSchema(_DIGITS_OR_INT)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RegisterIn(Strict):
    name: StrictStr = Field(max_length=200)
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128, description="6 to 128 characters")


class LoginIn(Strict):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)


class MerchantOut(BaseModel):
    id: str
    name: str
    email: str
    api_key: str


class MerchantWithSecrets(MerchantOut):
    api_secret: str
    webhook_secret: str


class RegisterOut(BaseModel):
    merchant: MerchantWithSecrets


class LoginOut(BaseModel):
    merchant: MerchantOut


class TestMerchantOut(BaseModel):
    id: str
    email: str
    api_key: str
    seeded: bool


class OrderCreate(Strict):
    amount: OrderAmount
    currency: StrictStr = Field(default="INR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code (INR)")
    receipt: StrictStr | None = Field(default=None, max_length=40)
    notes: Notes | None = None
    callback_url: StrictStr | None = Field(
        default=None,
        max_length=2048,
        description="http(s) URL the hosted checkout offers to return to, with payment_id and status added",
    )


class OrderOut(BaseModel):
    id: str
    merchant_id: str
    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, Any]
    callback_url: str | None = None
    status: str
    created_at: str


class OrderPublicOut(BaseModel):
    id: str
    amount: int
    currency: str
    status: str
    merchant_name: str


class CardIn(Strict):
    number: CardField = Field(default=None, description="Card number; spaces and dashes are ignored")
    expiry_month: CardField = Field(default=None, description="1-12, integer or string")
    expiry_year: CardField = Field(default=None, description="2 or 4 digits, integer or string")
    cvv: CardField = Field(default=None, description="3 or 4 digits")
    holder_name: StrictStr | None = Field(default=None, max_length=100)


class PaymentCreate(Strict):
    order_id: ResourceId
    method: Literal["upi", "card"]
    vpa: StrictStr | None = Field(default=None, max_length=255)
    card: CardIn | None = None


class PaymentOut(BaseModel):
    id: str
    order_id: str
    amount: int
    currency: str
    method: str
    vpa: str | None = None
    card_network: str | None = None
    card_last4: str | None = None
    status: str
    captured: bool
    created_at: str
    error_code: str | None = None
    error_description: str | None = None
    updated_at: str | None = None
    amount_refunded: int | None = None
    refund_status: str | None = None


class CaptureIn(Strict):
    amount: Amount | None = Field(default=None, description="Omit, or exactly the payment amount")


class RefundCreate(Strict):
    amount: Amount | None = None
    reason: StrictStr | None = Field(default=None, max_length=255)


class RefundCreateFull(RefundCreate):
    payment_id: ResourceId


class RefundOut(BaseModel):
    id: str
    payment_id: str
    amount: int
    reason: str | None
    status: str
    created_at: str
    processed_at: str | None = None


def list_of(model: type[BaseModel]) -> type[BaseModel]:
    """`{data: [...], total, limit, offset}` for a resource model."""
    return type(
        f"{model.__name__}List",
        (BaseModel,),
        {"__annotations__": {"data": list[model], "total": int, "limit": int, "offset": int}},  # type: ignore[valid-type]
    )


OrderList = list_of(OrderOut)
PaymentList = list_of(PaymentOut)
RefundList = list_of(RefundOut)


ErrorCode = Literal[
    "BAD_REQUEST_ERROR",
    "INVALID_VPA",
    "INVALID_CARD",
    "EXPIRED_CARD",
    "AUTHENTICATION_ERROR",
    "NOT_FOUND_ERROR",
    "IDEMPOTENCY_CONFLICT",
    "IDEMPOTENCY_KEY_REUSED",
    "RATE_LIMITED",
    "SERVICE_UNAVAILABLE",
]


class ErrorDetail(BaseModel):
    code: ErrorCode
    description: str
    reason: str | None = Field(
        default=None,
        description="Present on some errors: a stable snake_case word to match on "
        "(order_already_paid, refund_exceeds_available, too_many_attempts)",
    )
    metadata: dict[str, str] | None = Field(
        default=None, description="Present on some errors: ids that help, e.g. the paid order's payment_id"
    )


class ErrorOut(BaseModel):
    """The contract's error shape: `{"error": {"code", "description", "reason"?, "metadata"?}}`."""

    error: ErrorDetail


_ERROR_WHEN = {
    400: "Malformed or invalid request (BAD_REQUEST_ERROR, INVALID_VPA, INVALID_CARD, EXPIRED_CARD)",
    401: "Missing or wrong credentials (AUTHENTICATION_ERROR)",
    404: "Unknown id, or one owned by another merchant (NOT_FOUND_ERROR)",
    409: "The same Idempotency-Key is still being processed (IDEMPOTENCY_CONFLICT)",
    422: "The same Idempotency-Key was used with another body (IDEMPOTENCY_KEY_REUSED)",
    429: "Too many requests from this key or IP (RATE_LIMITED); see Retry-After",
    503: "Database or queue unavailable (SERVICE_UNAVAILABLE)",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all with the ErrorOut model."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes or tuple(_ERROR_WHEN):
        out[code] = {"model": ErrorOut, "description": _ERROR_WHEN[code]}
        if code == 429:
            out[code]["headers"] = _RETRY_AFTER
    return out


class HealthOut(BaseModel):
    status: str
    database: str
    redis: str
    worker: str
    timestamp: str


class JobsStatusOut(BaseModel):
    pending: int
    processing: int
    completed: int
    failed: int
    worker_status: str


class QueueCounts(BaseModel):
    pending: int
    processing: int
    completed: int
    failed: int


class QueueStatusOut(BaseModel):
    payments: QueueCounts
    refunds: QueueCounts
    webhooks: QueueCounts
