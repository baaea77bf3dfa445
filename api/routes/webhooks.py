"""Webhooks: endpoint config, secret, test event, delivery logs and manual retry."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import MerchantDep, PageDep
from api.idempotent import run_idempotent
from api.ratelimit import limit_webhook_test
from api.responses import answers, json_bytes, json_response
from api.webhook_schemas import (
    WebhookConfigIn,
    WebhookConfigOut,
    WebhookLogDetail,
    WebhookLogList,
    WebhookRetryOut,
    WebhookSecretOut,
    WebhookTestOut,
)
from paygate_app.core.pagination import page_body
from paygate_app.core.webhooks import config, delivery, logs

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.get("/config", responses=answers(WebhookConfigOut))
async def get_webhook_config(merchant: MerchantDep):
    return json_response(await config.get_config(merchant.id))


@router.put("/config", responses=answers(WebhookConfigOut))
@router.put("/settings", responses=answers(WebhookConfigOut))
async def set_webhook_config(body: WebhookConfigIn, merchant: MerchantDep):
    return json_response(await config.set_webhook_url(merchant.id, body.webhook_url))


@router.post("/secret/regenerate", responses=answers(WebhookSecretOut))
async def regenerate_webhook_secret(merchant: MerchantDep):
    secret = await config.regenerate_webhook_secret(merchant.id)
    return json_response({"webhook_secret": secret})


@router.post("/test", status_code=202, responses=answers(WebhookTestOut, 202))
async def send_test_webhook(request: Request, merchant: MerchantDep):
    """Rate limited per merchant (429 `RATE_LIMITED` with Retry-After)."""
    await limit_webhook_test(merchant.id)

    async def operation(_claim: object) -> bytes:  # not a create transaction: the answer is stored after it
        return json_bytes({"id": await delivery.send_test_event(merchant.id), "status": "pending"})

    return await run_idempotent(request, merchant.id, operation, status=202)


@router.get("", responses=answers(WebhookLogList))
async def list_webhook_logs(merchant: MerchantDep, page: PageDep):
    rows, total = await logs.list_logs(merchant.id, page)
    return json_response(page_body(rows, total, page))


@router.get("/{log_id}", responses=answers(WebhookLogDetail))
async def get_webhook_log(log_id: str, merchant: MerchantDep):
    return json_response(await logs.get_log(log_id, merchant.id))


@router.post("/{log_id}/retry", responses=answers(WebhookRetryOut))
async def retry_webhook(log_id: str, merchant: MerchantDep):
    retried = await delivery.retry_webhook(log_id, merchant.id)
    return json_response({"id": retried, "status": "pending", "message": "Webhook retry scheduled"})
