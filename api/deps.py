"""Typed dependencies: the authenticated merchant, the public key, pagination, Idempotency-Key."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BeforeValidator

from api.ratelimit import client_ip, limit_api_key, limit_ip
from paygate_app.core import merchants
from paygate_app.core.errors import AuthenticationFailed
from paygate_app.core.idempotency import MAX_KEY_LENGTH
from paygate_app.core.merchants import Merchant
from paygate_app.core.pagination import Page, make_page

MAX_CREDENTIAL_LENGTH = 128
MAX_OFFSET = 10**9  # make_page refuses more
_INTEGER = re.compile(r"-?[0-9]{1,30}")

API_KEY = APIKeyHeader(name="X-Api-Key", scheme_name="ApiKey", auto_error=False, description="Merchant API key")
API_SECRET = APIKeyHeader(
    name="X-Api-Secret", scheme_name="ApiSecret", auto_error=False, description="Merchant API secret"
)


async def current_merchant(
    request: Request,
    api_key: Annotated[str | None, Security(API_KEY)] = None,
    api_secret: Annotated[str | None, Security(API_SECRET)] = None,
) -> Merchant:
    """Both headers must match; failures are rate limited per IP, successes per API key."""
    return await authenticate_client(api_key, api_secret, client_ip(request))


async def authenticate_client(api_key: str | None, api_secret: str | None, ip: str) -> Merchant:
    """The merchant of this key pair (AuthenticationFailed / RateLimited otherwise); shared with the fast lane."""
    try:
        if len(api_key or "") > MAX_CREDENTIAL_LENGTH or len(api_secret or "") > MAX_CREDENTIAL_LENGTH:
            raise AuthenticationFailed("Invalid API key or secret")
        merchant = await merchants.authenticate(api_key, api_secret)
    except AuthenticationFailed:
        await limit_ip(ip, "auth-failure")
        raise
    await limit_api_key(merchant.api_key)
    return merchant


async def optional_key_merchant(
    request: Request,
    x_api_key: Annotated[
        str | None,
        Header(max_length=MAX_CREDENTIAL_LENGTH, description="Optional: the merchant key; must own the resource"),
    ] = None,
) -> Merchant | None:
    """Public endpoints: no key is fine; an unknown key is 401. Rate limited per IP."""
    await limit_ip(client_ip(request), "public")
    if not x_api_key:
        return None
    return await merchants.merchant_by_key(x_api_key)


def _whole_number(value: object) -> object:
    """Query integers are digits only: "0.0", "1e3" or " 5" are 400s, not silently coerced."""
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        raise ValueError("must be a whole number")
    return value


QueryInt = Annotated[int, BeforeValidator(_whole_number)]


def page_params(
    limit: Annotated[QueryInt | None, Query(ge=0, description="Page size (default 10, above 100 is clamped)")] = None,
    offset: Annotated[QueryInt | None, Query(ge=0, le=MAX_OFFSET)] = None,
    skip: Annotated[QueryInt | None, Query(ge=0, le=MAX_OFFSET, description="Alias of offset")] = None,
) -> Page:
    return make_page(limit, offset, skip)


MerchantDep = Annotated[Merchant, Depends(current_merchant)]
PublicKeyDep = Annotated[Merchant | None, Depends(optional_key_merchant)]
PageDep = Annotated[Page, Depends(page_params)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Replays the first response for 24 h; same key with another body → 422",
    ),
]
