"""Request and response models of the webhook routes (the HTTP contract only)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.schemas import list_of


class WebhookConfigIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    webhook_url: StrictStr | None = Field(
        default=..., max_length=2048, description='http(s) URL that receives events; null or "" clears it'
    )


class WebhookConfigOut(BaseModel):
    webhook_url: str | None
    webhook_secret: str


class WebhookSecretOut(BaseModel):
    webhook_secret: str


class WebhookTestOut(BaseModel):
    id: str = Field(description="The webhook log id (also the webhook-id header)")
    status: str


class WebhookLogOut(BaseModel):
    id: str
    event: str
    status: str = Field(description="pending, success or failed")
    attempts: int
    created_at: str
    last_attempt_at: str | None
    next_retry_at: str | None
    response_code: int | None


class WebhookAttemptOut(BaseModel):
    attempt: int
    response_code: int | None
    error: str | None
    duration_ms: int
    created_at: str


class WebhookLogDetail(WebhookLogOut):
    payload: dict[str, Any] = Field(description="The exact JSON body sent")
    attempt_history: list[WebhookAttemptOut]


class WebhookRetryOut(BaseModel):
    id: str
    status: str
    message: str


WebhookLogList = list_of(WebhookLogOut)
