"""Refunds: both create forms, get, list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import IdempotencyKey, MerchantDep, PageDep
from api.idempotent import run_idempotent
from api.responses import answers, json_response
from api.schemas import RefundCreate, RefundCreateFull, RefundList, RefundOut
from paygate_app.core import refunds
from paygate_app.core.idempotency import Claim
from paygate_app.core.pagination import page_body

router = APIRouter(prefix="/api/v1", tags=["refunds"])


async def _create(request: Request, merchant_id: str, payment_id: str, body: RefundCreate):
    async def operation(claim: Claim | None) -> bytes:
        row = await refunds.create_refund(
            merchant_id=merchant_id, payment_id=payment_id, amount=body.amount, reason=body.reason, claim=claim
        )
        return refunds.created_answer(row)

    return await run_idempotent(request, merchant_id, operation)


@router.post("/payments/{payment_id}/refunds", status_code=201, responses=answers(RefundOut, 201))
async def create_payment_refund(
    payment_id: str, body: RefundCreate, request: Request, merchant: MerchantDep, _key: IdempotencyKey = None
):
    return await _create(request, merchant.id, payment_id, body)


@router.post("/refunds", status_code=201, responses=answers(RefundOut, 201))
async def create_refund(body: RefundCreateFull, request: Request, merchant: MerchantDep, _key: IdempotencyKey = None):
    return await _create(request, merchant.id, body.payment_id, body)


@router.get("/refunds", responses=answers(RefundList))
async def list_refunds(
    merchant: MerchantDep, page: PageDep, payment_id: Annotated[str | None, Query(max_length=64)] = None
):
    rows, total = await refunds.list_refunds(merchant_id=merchant.id, page=page, payment_id=payment_id)
    return json_response(page_body([refunds.refund_public(r) for r in rows], total, page))


@router.get("/refunds/{refund_id}", responses=answers(RefundOut))
async def get_refund(refund_id: str, merchant: MerchantDep):
    return json_response(refunds.refund_public(await refunds.get_refund(refund_id, merchant_id=merchant.id)))
