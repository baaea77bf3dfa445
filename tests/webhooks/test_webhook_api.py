"""The /api/v1/webhooks routes through the real FastAPI app (ASGI transport) on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from webhook_support import API_HEADERS, MerchantInfo, Receiver, make_events, make_merchant

from api.app import build_api
from paygate_app.core.db import Database
from paygate_app.core.webhooks.delivery import deliver_webhook
from paygate_app.core.webhooks.signing import verify

pytestmark = pytest.mark.asyncio
BASE = "/api/v1/webhooks"


@pytest_asyncio.fixture
async def client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test", headers=API_HEADERS) as c:
        yield c


def _error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_get_config_returns_url_and_secret(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/config")
    assert response.status_code == 200
    assert response.json() == {"webhook_url": None, "webhook_secret": "whsec_test_abc123"}


async def test_get_config_without_credentials_401(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/config", headers={"X-Api-Key": "", "X-Api-Secret": ""})
    _error(response, 401, "AUTHENTICATION_ERROR")


async def test_put_config_sets_and_clears_url(client: httpx.AsyncClient, receiver: Receiver) -> None:
    response = await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})
    assert response.status_code == 200
    assert response.json() == {"webhook_url": receiver.url, "webhook_secret": "whsec_test_abc123"}

    for cleared in (None, ""):
        await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})
        response = await client.put(f"{BASE}/config", json={"webhook_url": cleared})
        assert response.status_code == 200 and response.json()["webhook_url"] is None
        assert (await client.get(f"{BASE}/config")).json()["webhook_url"] is None


async def test_put_settings_alias_sets_url(client: httpx.AsyncClient, receiver: Receiver) -> None:
    response = await client.put(f"{BASE}/settings", json={"webhook_url": receiver.url})
    assert response.status_code == 200
    assert (await client.get(f"{BASE}/config")).json()["webhook_url"] == receiver.url


@pytest.mark.parametrize(
    "body",
    [
        {"webhook_url": "ftp://example.com/hook"},
        {"webhook_url": "https://example.com/" + "a" * 10_000},
        {"webhook_url": "garbage"},
        {"webhook_url": 42},
        {},
    ],
)
async def test_put_config_invalid_400(client: httpx.AsyncClient, body: dict) -> None:
    _error(await client.put(f"{BASE}/config", json=body), 400, "BAD_REQUEST_ERROR")


async def test_put_config_malformed_json_400(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{BASE}/config", content=b"{not json", headers={"Content-Type": "application/json"})
    _error(response, 400, "BAD_REQUEST_ERROR")


async def test_regenerate_secret_returns_new_secret(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/secret/regenerate")
    assert response.status_code == 200
    secret = response.json()["webhook_secret"]
    assert secret.startswith("whsec_") and secret != "whsec_test_abc123"
    assert (await client.get(f"{BASE}/config")).json()["webhook_secret"] == secret


async def test_post_test_without_url_400(client: httpx.AsyncClient, db: Database) -> None:
    _error(await client.post(f"{BASE}/test"), 400, "BAD_REQUEST_ERROR")
    assert (await db.fetch_one("SELECT COUNT(*) AS n FROM webhook_logs"))["n"] == 0


async def test_post_test_queues_signed_test_event(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})

    response = await client.post(f"{BASE}/test")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "pending"

    assert await deliver_webhook(body["id"]) == "success"
    [request] = receiver.requests
    assert request.headers["webhook-id"] == body["id"]
    verify(request.body, request.headers, "whsec_test_abc123")
    assert b'"event":"webhook.test","sequence":0,' in request.body  # part of no payment's or refund's life


async def test_list_webhooks_shows_logs_newest_first(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})
    ids = [(await client.post(f"{BASE}/test")).json()["id"] for _ in range(3)]
    await deliver_webhook(ids[0])

    response = await client.get(BASE, params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert len(page["data"]) == 2
    assert set(page["data"][0]) == {
        "id", "event", "status", "attempts", "created_at", "last_attempt_at", "next_retry_at", "response_code",
    }  # fmt: skip
    everything = (await client.get(BASE, params={"limit": 100})).json()["data"]
    delivered = next(item for item in everything if item["id"] == ids[0])
    assert (delivered["status"], delivered["attempts"], delivered["response_code"]) == ("success", 1, 200)
    assert delivered["created_at"].endswith("Z") and delivered["last_attempt_at"].endswith("Z")


async def test_list_webhooks_negative_offset_400(client: httpx.AsyncClient) -> None:
    _error(await client.get(BASE, params={"offset": -1}), 400, "BAD_REQUEST_ERROR")


async def test_get_webhook_includes_payload_and_attempts(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})
    log_id = (await client.post(f"{BASE}/test")).json()["id"]
    receiver.script.append(500)
    await deliver_webhook(log_id)

    response = await client.get(f"{BASE}/{log_id}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["id"] == log_id and detail["event"] == "webhook.test"
    assert detail["payload"]["event"] == "webhook.test"
    assert isinstance(detail["payload"]["timestamp"], int) and detail["payload"]["sequence"] == 0
    [attempt] = detail["attempt_history"]
    assert set(attempt) == {"attempt", "response_code", "error", "duration_ms", "created_at"}
    assert (attempt["attempt"], attempt["response_code"]) == (1, 500)
    assert detail["status"] == "pending" and detail["next_retry_at"] is not None


async def test_get_webhook_other_merchant_404(client: httpx.AsyncClient, db: Database, receiver: Receiver) -> None:
    other: MerchantInfo = await make_merchant(db, webhook_url=receiver.url)
    [foreign_id] = await make_events(db, other.id)

    _error(await client.get(f"{BASE}/{foreign_id}"), 404, "NOT_FOUND_ERROR")
    _error(await client.post(f"{BASE}/{foreign_id}/retry"), 404, "NOT_FOUND_ERROR")
    _error(await client.get(f"{BASE}/00000000-0000-0000-0000-000000000000"), 404, "NOT_FOUND_ERROR")


async def test_retry_webhook_resets_and_redelivers(client: httpx.AsyncClient, receiver: Receiver, db: Database) -> None:
    await client.put(f"{BASE}/config", json={"webhook_url": receiver.url})
    log_id = (await client.post(f"{BASE}/test")).json()["id"]
    await deliver_webhook(log_id)

    response = await client.post(f"{BASE}/{log_id}/retry")
    assert response.status_code == 200
    assert response.json() == {"id": log_id, "status": "pending", "message": "Webhook retry scheduled"}
    listed = (await client.get(f"{BASE}/{log_id}")).json()
    assert (listed["status"], listed["attempts"]) == ("pending", 0)

    assert await deliver_webhook(log_id) == "success"
    detail = (await client.get(f"{BASE}/{log_id}")).json()
    assert [a["attempt"] for a in detail["attempt_history"]] == [1, 2]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [log_id, log_id]
    assert receiver.requests[0].body == receiver.requests[1].body


async def test_openapi_describes_webhook_routes(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path, method in [
        (f"{BASE}/config", "get"),
        (f"{BASE}/config", "put"),
        (f"{BASE}/settings", "put"),
        (f"{BASE}/secret/regenerate", "post"),
        (f"{BASE}/test", "post"),
        (BASE, "get"),
        (f"{BASE}/{{log_id}}", "get"),
        (f"{BASE}/{{log_id}}/retry", "post"),
    ]:
        assert method in paths[path], (path, method)
    assert "WebhookLogDetail" in spec["components"]["schemas"]
    assert "attempt_history" in spec["components"]["schemas"]["WebhookLogDetail"]["properties"]
