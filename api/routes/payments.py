"""Payments: create (authenticated and public), get, list, capture."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.deps import IdempotencyKey, MerchantDep, PageDep, PublicKeyDep
from api.idempotent import run_idempotent
from api.responses import answers, json_response
from api.schemas import CaptureIn, PaymentCreate, PaymentList, PaymentOut
from paygate_app.core import orders, payments
from paygate_app.core.errors import NotFound
from paygate_app.core.idempotency import Claim
from paygate_app.core.pagination import page_body

router = APIRouter(prefix="/api/v1/payments", tags=["payments"])


async def create_for(merchant_id: str, body: PaymentCreate, claim: Claim | None = None) -> bytes:
    """The answer's bytes for the payment this body creates for this merchant; `claim`: its
    Idempotency-Key, completed with those bytes in the create's transaction (also what api/fast_lane.py calls)."""
    row = await payments.create_payment(merchant_id=merchant_id, body=body.model_dump(exclude_none=True), claim=claim)
    return payments.created_answer(row)


@router.post("", status_code=201, responses=answers(PaymentOut, 201))
async def create_payment(body: PaymentCreate, request: Request, merchant: MerchantDep, _key: IdempotencyKey = None):
    return await run_idempotent(request, merchant.id, lambda claim: create_for(merchant.id, body, claim))


@router.post("/public", status_code=201, responses=answers(PaymentOut, 201))
async def create_payment_public(
    body: PaymentCreate, request: Request, key_merchant: PublicKeyDep, _key: IdempotencyKey = None
):
    """What the checkout page calls: no secret; the order's merchant is the scope (rate limited per IP)."""
    order = await orders.get_order(body.order_id)
    if key_merchant is not None and key_merchant.id != order["merchant_id"]:
        raise NotFound("Order not found")
    merchant_id = order["merchant_id"]
    return await run_idempotent(
        request, merchant_id, lambda claim: create_for(merchant_id, body, claim), public_order_id=order["id"]
    )


@router.get("", responses=answers(PaymentList))
async def list_payments(
    merchant: MerchantDep,
    page: PageDep,
    status: Annotated[Literal["pending", "success", "failed"] | None, Query()] = None,
    method: Annotated[Literal["upi", "card"] | None, Query()] = None,
):
    rows, total = await payments.list_payments(merchant_id=merchant.id, page=page, status=status, method=method)
    return json_response(page_body([payments.payment_public(r) for r in rows], total, page))


@router.get("/{payment_id}/public", responses=answers(PaymentOut))
async def get_payment_public(payment_id: str, key_merchant: PublicKeyDep):
    row = await payments.get_payment(payment_id, merchant_id=key_merchant.id if key_merchant else None)
    return json_response(payments.payment_for_shopper(row))


@router.get("/{payment_id}", responses=answers(PaymentOut))
async def get_payment(payment_id: str, merchant: MerchantDep):
    return json_response(payments.payment_public(await payments.get_payment(payment_id, merchant_id=merchant.id)))


@router.post("/{payment_id}/capture", responses=answers(PaymentOut))
async def capture_payment(payment_id: str, merchant: MerchantDep, body: CaptureIn | None = None):
    row = await payments.capture_payment(
        payment_id=payment_id, merchant_id=merchant.id, amount=body.amount if body else None
    )
    return json_response(payments.payment_public(row))
