"""Orders: create, get, list, public view."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import IdempotencyKey, MerchantDep, PageDep, PublicKeyDep
from api.idempotent import run_idempotent
from api.responses import answers, json_response
from api.schemas import OrderCreate, OrderList, OrderOut, OrderPublicOut
from paygate_app.core import orders
from paygate_app.core.idempotency import Claim
from paygate_app.core.pagination import page_body

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


async def create_for(merchant_id: str, body: OrderCreate, claim: Claim | None = None) -> bytes:
    """The answer's bytes for the order this body creates for this merchant; `claim`: its
    Idempotency-Key, completed with those bytes in the create's transaction (also what api/fast_lane.py calls)."""
    order = await orders.create_order(
        merchant_id=merchant_id,
        amount=body.amount,
        currency=body.currency,
        receipt=body.receipt,
        notes=body.notes,
        callback_url=body.callback_url,
        claim=claim,
    )
    return orders.created_answer(order)


@router.post("", status_code=201, responses=answers(OrderOut, 201))
async def create_order(body: OrderCreate, request: Request, merchant: MerchantDep, _key: IdempotencyKey = None):
    return await run_idempotent(request, merchant.id, lambda claim: create_for(merchant.id, body, claim))


@router.get("", responses=answers(OrderList))
async def list_orders(merchant: MerchantDep, page: PageDep):
    rows, total = await orders.list_orders(merchant_id=merchant.id, page=page)
    return json_response(page_body(rows, total, page))


@router.get("/{order_id}/public", responses=answers(OrderPublicOut))
async def get_order_public(order_id: str, key_merchant: PublicKeyDep):
    """For the checkout page: no secret needed (rate limited per IP); a key must own the order."""
    if key_merchant is not None:
        await orders.get_order(order_id, merchant_id=key_merchant.id)
    return json_response(await orders.get_order_public(order_id))


@router.get("/{order_id}", responses=answers(OrderOut))
async def get_order(order_id: str, merchant: MerchantDep):
    return json_response(orders.order_public(await orders.get_order(order_id, merchant_id=merchant.id)))
