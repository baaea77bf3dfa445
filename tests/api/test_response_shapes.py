"""Every answer has the shape its route documents (the `responses=` models of OpenAPI).

The routes write their own bytes (json_response, api/idempotent.py, the fast lane), so nothing
in FastAPI checks them against the documented model: this test does, for the answers a
merchant and a shopper get, on both databases. A field the model does not name, or a required
field missing, fails it.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from api.app import build_api
from api.schemas import OrderList, OrderOut, OrderPublicOut, PaymentList, PaymentOut, RefundList, RefundOut
from tests.api.helpers import FUTURE_YEAR, VISA, make_order, make_payment, paid_payment

ANON = {"X-Api-Key": "", "X-Api-Secret": ""}


def conforms(model: type[BaseModel], body: dict) -> None:
    model.model_validate(body)
    fields = model.model_fields
    assert set(body) <= set(fields), (model.__name__, set(body) - set(fields))
    required = {name for name, f in fields.items() if f.is_required()}
    assert required <= set(body), (model.__name__, required - set(body))
    for name, field in fields.items():  # nested lists of models (pages) are checked item by item
        value = body.get(name)
        args = getattr(field.annotation, "__args__", ())
        if isinstance(value, list) and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            for item in value:
                conforms(args[0], item)


def test_the_documented_models_are_the_ones_checked_here() -> None:
    spec = build_api().openapi()
    created = spec["paths"]["/api/v1/payments"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/PaymentOut")


async def test_merchant_and_shopper_answers_have_their_documented_shape(client: httpx.AsyncClient) -> None:
    order = await make_order(client)
    conforms(OrderOut, order)
    conforms(OrderOut, (await client.get(f"/api/v1/orders/{order['id']}")).json())
    conforms(OrderPublicOut, (await client.get(f"/api/v1/orders/{order['id']}/public", headers=ANON)).json())
    conforms(OrderList, (await client.get("/api/v1/orders")).json())
    upi = await make_payment(client, order["id"])
    conforms(PaymentOut, upi)
    card_order = await make_order(client)
    card = await client.post(
        "/api/v1/payments/public",
        json={
            "order_id": card_order["id"],
            "method": "card",
            "card": {"number": VISA, "expiry_month": "12", "expiry_year": FUTURE_YEAR, "cvv": "123"},
        },
        headers=ANON,
    )
    assert card.status_code == 201, card.text
    conforms(PaymentOut, card.json())
    conforms(PaymentOut, (await client.get(f"/api/v1/payments/{upi['id']}")).json())
    conforms(PaymentOut, (await client.get(f"/api/v1/payments/{upi['id']}/public", headers=ANON)).json())
    conforms(PaymentList, (await client.get("/api/v1/payments")).json())
    paid = await paid_payment(client)
    conforms(PaymentOut, paid)
    refund = await client.post(f"/api/v1/payments/{paid['id']}/refunds", json={"amount": 100})
    assert refund.status_code == 201, refund.text
    conforms(RefundOut, refund.json())
    conforms(RefundList, (await client.get("/api/v1/refunds")).json())
