"""Merchant onboarding and dashboard login."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.ratelimit import client_ip, limit_ip
from api.responses import answers, json_response
from api.schemas import LoginIn, LoginOut, RegisterIn, RegisterOut, TestMerchantOut
from paygate_app.core import merchants

router = APIRouter(prefix="/api/v1", tags=["merchants"])


@router.post("/auth/register", status_code=201, responses=answers(RegisterOut, 201))
async def register(body: RegisterIn, request: Request):
    await limit_ip(client_ip(request), "auth")
    creds = await merchants.register_merchant(name=body.name, email=body.email, password=body.password)
    m = creds.merchant
    merchant = {
        "id": m.id,
        "name": m.name,
        "email": m.email,
        "api_key": m.api_key,
        "api_secret": creds.api_secret,
        "webhook_secret": creds.webhook_secret,
    }
    return json_response({"merchant": merchant}, 201)


@router.post("/auth/login", responses=answers(LoginOut))
async def login(body: LoginIn, request: Request):
    """Rate limited per IP; after repeated failures the email is locked for a while (429)."""
    await limit_ip(client_ip(request), "auth")
    m = await merchants.login_merchant(email=body.email, password=body.password)
    return json_response({"merchant": {"id": m.id, "name": m.name, "email": m.email, "api_key": m.api_key}})


@router.get("/test/merchant", responses=answers(TestMerchantOut))
async def test_merchant():
    t = merchants.TEST_MERCHANT
    row = await merchants.get_merchant(t["id"])
    return json_response({"id": row["id"], "email": row["email"], "api_key": row["api_key"], "seeded": True})
