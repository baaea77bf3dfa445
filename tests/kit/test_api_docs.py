"""/docs and /openapi.json: complete (schemas, examples, errors, auth), true (real responses
conform), offline (Swagger UI from the app itself), and gated in production."""

from __future__ import annotations

import re

import httpx
import pytest
import schemathesis
from jsonschema import Draft202012Validator

from api.app import build_api
from paygate_app.core.settings import settings
from tests.api.helpers import FUTURE_YEAR, make_order, wait_payment

SPEC = build_api().openapi()
JSON = "application/json"


def _validator(schema: dict) -> Draft202012Validator:
    """A validator for `schema` that resolves `#/components/...` references in the document."""
    return Draft202012Validator({**schema, "components": SPEC["components"]})


def _operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_openapi_component_examples_match_their_schemas() -> None:
    for name, schema in SPEC["components"]["schemas"].items():
        assert schema.get("examples"), f"{name} has no example"
        for example in schema["examples"]:
            errors = list(_validator({"$ref": f"#/components/schemas/{name}"}).iter_errors(example))
            assert not errors, f"{name}: {errors[0].message}"


def test_openapi_every_json_body_has_a_schema_and_a_valid_example() -> None:
    for path, method, operation in _operations():
        bodies = [("request", operation.get("requestBody", {}).get("content", {}).get(JSON))]
        bodies += [(status, r.get("content", {}).get(JSON)) for status, r in operation["responses"].items()]
        for where, content in bodies:
            if content is None:
                continue
            label = f"{method.upper()} {path} {where}"
            assert content.get("schema"), f"{label}: no schema"
            assert "example" in content, f"{label}: no example"
            errors = list(_validator(content["schema"]).iter_errors(content["example"]))
            assert not errors, f"{label}: {errors[0].message}"


def test_openapi_documents_errors_and_auth() -> None:
    schemes = SPEC["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} >= {("header", "X-Api-Key"), ("header", "X-Api-Secret")}
    for path, method, operation in _operations():
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/test/") or path == "/api/v1/queue/status":
            continue
        label = f"{method.upper()} {path}"
        for status in ("400", "401", "404", "429", "503"):
            ref = operation["responses"].get(status, {}).get("content", {}).get(JSON, {}).get("schema", {})
            assert ref.get("$ref", "").endswith("/ErrorOut"), f"{label}: {status} not documented"
        if ("{" in path and "public" not in path) or method in ("put", "delete"):
            assert operation.get("security") == [{"ApiKey": [], "ApiSecret": []}], f"{label}: auth not documented"


async def test_real_responses_conform_to_the_published_schema(client: httpx.AsyncClient) -> None:
    schema = schemathesis.openapi.from_dict(SPEC)
    checked: list[str] = []

    async def call(method: str, path: str, template: str | None = None, **kwargs) -> httpx.Response:
        response = await client.request(method, path, **kwargs)
        schema[template or path.split("?")[0]][method.upper()].validate_response(response)
        checked.append(f"{method} {template or path} {response.status_code}")
        return response

    order = (await call("POST", "/api/v1/orders", json={"amount": 50000, "notes": {"k": "v"}})).json()
    await call("GET", f"/api/v1/orders/{order['id']}", "/api/v1/orders/{order_id}")
    await call("GET", f"/api/v1/orders/{order['id']}/public", "/api/v1/orders/{order_id}/public")
    await call("GET", "/api/v1/orders")
    card = {"number": "4111111111111111", "expiry_month": 12, "expiry_year": FUTURE_YEAR, "cvv": "123"}
    payment = (
        await call("POST", "/api/v1/payments", json={"order_id": order["id"], "method": "card", "card": card})
    ).json()
    await wait_payment(client, payment["id"])
    await call("GET", f"/api/v1/payments/{payment['id']}", "/api/v1/payments/{payment_id}")
    await call("GET", f"/api/v1/payments/{payment['id']}/public", "/api/v1/payments/{payment_id}/public")
    await call("GET", "/api/v1/payments?status=success")
    await call("POST", f"/api/v1/payments/{payment['id']}/capture", "/api/v1/payments/{payment_id}/capture", json={})
    refund_path = "/api/v1/payments/{payment_id}/refunds"
    await call("POST", f"/api/v1/payments/{payment['id']}/refunds", refund_path, json={"amount": 100})
    refund = (await call("POST", "/api/v1/refunds", json={"payment_id": payment["id"], "amount": 100})).json()
    await call("GET", f"/api/v1/refunds/{refund['id']}", "/api/v1/refunds/{refund_id}")
    await call("GET", f"/api/v1/refunds?payment_id={payment['id']}", "/api/v1/refunds")
    failed_order = await make_order(client)
    failed = await client.post(
        "/api/v1/payments", json={"order_id": failed_order["id"], "method": "upi", "vpa": "insufficient@upi"}
    )
    await wait_payment(client, failed.json()["id"])
    await call("GET", f"/api/v1/payments/{failed.json()['id']}", "/api/v1/payments/{payment_id}")
    await call("PUT", "/api/v1/webhooks/config", json={"webhook_url": "http://127.0.0.1:9/hook"})
    await call("GET", "/api/v1/webhooks/config")
    await call("POST", "/api/v1/webhooks/secret/regenerate")
    log = (await call("POST", "/api/v1/webhooks/test")).json()
    await call("GET", "/api/v1/webhooks?limit=5")
    await call("GET", f"/api/v1/webhooks/{log['id']}", "/api/v1/webhooks/{log_id}")
    await call("POST", f"/api/v1/webhooks/{log['id']}/retry", "/api/v1/webhooks/{log_id}/retry")
    await call("PUT", "/api/v1/webhooks/settings", json={"webhook_url": None})
    for path in ("/health", "/api/v1/test/jobs/status", "/api/v1/queue/status", "/api/v1/test/merchant"):
        await call("GET", path)
    await call("POST", "/api/v1/auth/login", json={"email": "test@example.com", "password": "test123"})
    # Errors: each in the contract's shape and declared for its status.
    await call("GET", "/api/v1/orders/order_0000000000000000", "/api/v1/orders/{order_id}")
    await call("POST", "/api/v1/orders", json={"amount": "500"})
    await call("POST", "/api/v1/payments", json={"order_id": order["id"], "method": "upi", "vpa": "bad vpa"})
    await call("GET", "/api/v1/orders", headers={"X-Api-Secret": "wrong"})
    await call("POST", f"/api/v1/payments/{payment['id']}/capture", "/api/v1/payments/{payment_id}/capture", json={})
    statuses = {entry.rsplit(" ", 1)[1] for entry in checked}
    assert statuses >= {"200", "201", "202", "400", "401", "404"}, checked


async def test_docs_page_uses_only_local_assets() -> None:
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test") as c:
        page = await c.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        for source in sources:
            assert (await c.get(source)).status_code == 200, source
        assert "https://" not in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
async def test_docs_in_production_need_the_metrics_token(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setattr(settings, "paygate_env", "production")
    transport = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://paygate.test") as c:
        monkeypatch.setattr(settings, "paygate_metrics_token", "")
        off = await c.get(path)
        assert off.status_code == 404 and off.json()["error"]["code"] == "NOT_FOUND_ERROR"
        monkeypatch.setattr(settings, "paygate_metrics_token", "tok-123")
        assert (await c.get(path)).json()["error"]["code"] == "AUTHENTICATION_ERROR"
        assert (await c.get(path, headers={"Authorization": "Bearer nope"})).status_code == 401
        assert (await c.get(path, headers={"Authorization": "Bearer tok-123"})).status_code == 200
