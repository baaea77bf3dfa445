"""Rate limits (per API key, per IP on public and auth routes) and the login lockout: 429 RATE_LIMITED + Retry-After."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from api import ratelimit
from paygate_app.core import hashing, lockout, merchants
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.settings import settings
from tests.api.helpers import make_order

LOGIN = {"email": TEST_MERCHANT["email"], "password": TEST_MERCHANT["password"]}
WRONG = {"email": TEST_MERCHANT["email"], "password": "wrong-password"}


@pytest.fixture
def limits_on(monkeypatch) -> None:
    monkeypatch.setattr(settings, "rate_limit_enabled", True)
    monkeypatch.setattr(settings, "rate_limit_api_key", "3/minute")
    monkeypatch.setattr(settings, "rate_limit_ip", "3/minute")


@pytest.fixture
def lock_after_3(monkeypatch) -> None:
    monkeypatch.setattr(settings, "rate_limit_login_failures", "3/15 minutes")


def assert_429(r: httpx.Response, max_wait: int) -> int:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "RATE_LIMITED"
    retry_after = int(r.headers["Retry-After"])
    assert 1 <= retry_after <= max_wait
    return retry_after


async def test_api_key_over_its_limit_gets_429_with_retry_after(client: httpx.AsyncClient, limits_on):
    for _ in range(3):
        assert (await client.get("/api/v1/orders")).status_code == 200
    assert_429(await client.get("/api/v1/orders"), max_wait=60)


async def test_api_key_limit_is_per_key(client: httpx.AsyncClient, other: httpx.AsyncClient, limits_on):
    for _ in range(3):
        await client.get("/api/v1/payments")
    assert (await client.get("/api/v1/payments")).status_code == 429
    assert (await other.get("/api/v1/payments")).status_code == 200


async def test_public_checkout_endpoints_are_limited_per_ip(
    client: httpx.AsyncClient, anon: httpx.AsyncClient, limits_on
):
    order = await make_order(client)
    assert (await anon.get(f"/api/v1/orders/{order['id']}/public")).status_code == 200
    body = {"order_id": order["id"], "method": "upi", "vpa": "shopper@upi"}
    assert (await anon.post("/api/v1/payments/public", json=body)).status_code == 201
    assert (await anon.get("/api/v1/payments/pay_0000000000000000/public")).status_code == 404
    assert_429(await anon.get(f"/api/v1/orders/{order['id']}/public"), max_wait=60)
    assert_429(await anon.post("/api/v1/payments/public", json=body), max_wait=60)


async def test_login_and_register_are_limited_per_ip(anon: httpx.AsyncClient, limits_on):
    for _ in range(2):
        assert (await anon.post("/api/v1/auth/login", json=LOGIN)).status_code == 200
    new = {"name": "N", "email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "secret-123"}
    assert (await anon.post("/api/v1/auth/register", json=new)).status_code == 201
    assert_429(await anon.post("/api/v1/auth/login", json=LOGIN), max_wait=60)
    assert_429(await anon.post("/api/v1/auth/register", json={**new, "email": "x" + new["email"]}), max_wait=60)


async def test_failed_api_authentication_is_limited_per_ip(anon: httpx.AsyncClient, limits_on):
    bad = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": "guess"}
    for _ in range(3):
        assert (await anon.get("/api/v1/orders", headers=bad)).status_code == 401
    assert_429(await anon.get("/api/v1/orders", headers=bad), max_wait=60)


async def test_limits_off_lets_bursts_through(client: httpx.AsyncClient, monkeypatch):
    monkeypatch.setattr(settings, "rate_limit_api_key", "1/minute")
    monkeypatch.setattr(settings, "rate_limit_enabled", False)
    for _ in range(5):
        assert (await client.get("/api/v1/orders")).status_code == 200


async def test_login_locks_after_repeated_failures_even_with_the_right_password(anon: httpx.AsyncClient, lock_after_3):
    for _ in range(3):
        assert (await anon.post("/api/v1/auth/login", json=WRONG)).status_code == 401
    r = await anon.post("/api/v1/auth/login", json=LOGIN)
    wait = assert_429(r, max_wait=15 * 60)
    assert wait > 60
    assert r.json()["error"]["description"].startswith("Too many failed login attempts for this account")


async def test_lockout_is_per_email(anon: httpx.AsyncClient, lock_after_3):
    for _ in range(3):
        await anon.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x"})
    assert (
        await anon.post("/api/v1/auth/login", json={"email": "NOBODY@example.com ", "password": "x"})
    ).status_code == 429
    assert (await anon.post("/api/v1/auth/login", json=LOGIN)).status_code == 200


async def test_successful_login_clears_the_failure_count(anon: httpx.AsyncClient, lock_after_3):
    for _ in range(2):
        await anon.post("/api/v1/auth/login", json=WRONG)
    assert (await anon.post("/api/v1/auth/login", json=LOGIN)).status_code == 200
    for _ in range(2):
        assert (await anon.post("/api/v1/auth/login", json=WRONG)).status_code == 401
    assert (await anon.post("/api/v1/auth/login", json=LOGIN)).status_code == 200


async def test_dashboard_login_shares_the_lock(backend, lock_after_3):
    """The Reflex login page calls the core directly: the same lock and message apply."""
    for _ in range(3):
        with pytest.raises(merchants.AuthenticationFailed):
            await merchants.login_merchant(**WRONG)
    with pytest.raises(lockout.LoginLocked) as locked:
        await merchants.login_merchant(**LOGIN)
    assert "try again in 15 minutes" in locked.value.description


@pytest.mark.redis
async def test_counters_live_in_redis_when_configured(monkeypatch):
    """REDIS_URL → every process shares the counters (the redis-py client; coredis is not installed)."""
    import redis.asyncio as aioredis

    url = "redis://127.0.0.1:6379/12"
    monkeypatch.setattr(settings, "redis_url", url)
    monkeypatch.setattr(settings, "rate_limit_enabled", True)
    monkeypatch.setattr(settings, "rate_limit_ip", "2/minute")
    ratelimit.reset()
    ip = f"203.0.113.{uuid.uuid4().int % 250}"
    try:
        await ratelimit.limit_ip(ip, "public")
        await ratelimit.limit_ip(ip, "public")
        ratelimit.reset()  # a fresh limiter (another process) sees the same count
        with pytest.raises(ratelimit.RateLimited):
            await ratelimit.limit_ip(ip, "public")
        r = aioredis.from_url(url)
        assert [k async for k in r.scan_iter(match=f"*{ip}*")]
        await r.flushdb()
        await r.aclose()
    finally:
        ratelimit.reset()


async def test_password_checks_beyond_the_hashing_queue_get_503(anon: httpx.AsyncClient, monkeypatch):
    """argon2 runs in a bounded pool off the event loop: a flood past its queue is refused at once."""
    monkeypatch.setattr(hashing, "_MAX_WAITING", 2)
    wrong = [{"email": f"flood-{i}@example.com", "password": "wrong-password"} for i in range(8)]
    responses = await asyncio.gather(*(anon.post("/api/v1/auth/login", json=body) for body in wrong))
    codes = sorted(r.status_code for r in responses)
    assert 401 in codes and 503 in codes, codes
    busy = next(r for r in responses if r.status_code == 503)
    assert busy.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(busy.headers["Retry-After"]) >= 1
    assert (await anon.post("/api/v1/auth/login", json=LOGIN)).status_code == 200  # the queue drained


async def test_password_hashing_leaves_the_event_loop_free(backend):
    """While a dozen wrong logins are verified, the loop keeps ticking (no ~0.2 s argon2 stalls)."""
    loop = asyncio.get_running_loop()
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = loop.time()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    attempts = [merchants.login_merchant(email=f"tick-{i}@example.com", password="wrong") for i in range(6)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    done.set()
    await tick
    assert all(isinstance(r, merchants.AuthenticationFailed) for r in results), results
    assert len(gaps) > 20  # the hashing took a while, and the loop ran meanwhile
    assert max(gaps) < 0.15, max(gaps)  # one argon2 on the loop would stall it ~0.2 s
