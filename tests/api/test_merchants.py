"""Register, login, test merchant, API key auth."""

from __future__ import annotations

import uuid

import httpx
import pytest


async def test_register_returns_credentials_once(client: httpx.AsyncClient):
    email = f"m-{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post("/api/v1/auth/register", json={"name": "Shop", "email": email, "password": "hunter22"})
    assert r.status_code == 201
    m = r.json()["merchant"]
    assert set(m) == {"id", "name", "email", "api_key", "api_secret", "webhook_secret"}
    assert m["webhook_secret"].startswith("whsec_")
    # the new credentials work
    auth = {"X-Api-Key": m["api_key"], "X-Api-Secret": m["api_secret"]}
    r = await client.post("/api/v1/orders", json={"amount": 100}, headers=auth)
    assert r.status_code == 201
    assert r.json()["merchant_id"] == m["id"]


async def test_register_duplicate_email_is_400(client: httpx.AsyncClient):
    r = await client.post(
        "/api/v1/auth/register", json={"name": "X", "email": "test@example.com", "password": "abcdefgh"}
    )
    assert r.status_code == 400
    assert r.json()["error"] == {"code": "BAD_REQUEST_ERROR", "description": "Email already registered"}


async def test_register_duplicate_email_with_a_short_password_still_says_taken(client: httpx.AsyncClient):
    r = await client.post("/api/v1/auth/register", json={"name": "X", "email": "test@example.com", "password": "abc"})
    assert r.status_code == 400
    assert r.json()["error"]["description"] == "Email already registered"


@pytest.mark.parametrize("password", ["      ", " " * 12, "\t\n  \t\n  ", "short7!", ""])
async def test_register_weak_password_is_400_and_creates_nothing(client: httpx.AsyncClient, password: str):
    email = f"weak-{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post("/api/v1/auth/register", json={"name": "Weak", "email": email, "password": password})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and "password" in error["description"]
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password or "x"})
    assert login.status_code == 401  # no merchant was created


async def test_register_eight_character_password_is_accepted(client: httpx.AsyncClient):
    email = f"ok-{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post("/api/v1/auth/register", json={"name": "Ok", "email": email, "password": " pass 8 "})
    assert r.status_code == 201, r.text
    assert (await client.post("/api/v1/auth/login", json={"email": email, "password": " pass 8 "})).status_code == 200


async def test_login_ok_and_bad_password(client: httpx.AsyncClient):
    r = await client.post("/api/v1/auth/login", json={"email": "test@example.com", "password": "test123"})
    assert r.status_code == 200
    assert r.json() == {
        "merchant": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "Test Merchant",
            "email": "test@example.com",
            "api_key": "key_test_abc123",
        }
    }
    r = await client.post("/api/v1/auth/login", json={"email": "test@example.com", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTHENTICATION_ERROR"


async def test_test_merchant_is_seeded(client: httpx.AsyncClient):
    r = await client.get("/api/v1/test/merchant")
    assert r.json() == {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "email": "test@example.com",
        "api_key": "key_test_abc123",
        "seeded": True,
    }


async def test_seed_twice_changes_nothing(client: httpx.AsyncClient):
    from paygate_app.core.db import get_db
    from paygate_app.core.merchants import seed_test_merchant

    db = await get_db()
    before = await db.fetch_all("SELECT * FROM merchants ORDER BY id")
    assert await seed_test_merchant() is False
    assert await db.fetch_all("SELECT * FROM merchants ORDER BY id") == before


async def test_auth_missing_or_wrong_is_401(client: httpx.AsyncClient):
    r = await client.get("/api/v1/orders", headers={"X-Api-Key": "", "X-Api-Secret": ""})
    assert r.status_code == 401
    r = await client.get("/api/v1/orders", headers={"X-Api-Secret": "secret_wrong"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTHENTICATION_ERROR"


async def test_api_secret_is_not_stored_in_plaintext(client: httpx.AsyncClient):
    from paygate_app.core.db import get_db

    db = await get_db()
    rows = await db.fetch_all("SELECT * FROM merchants")
    dump = repr(rows)
    assert "secret_test_xyz789" not in dump
    assert "test123" not in dump
