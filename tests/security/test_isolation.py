"""Isolation: a second merchant gets 404 NOT_FOUND_ERROR for every id of the first, on every resource route.

The table is checked against /openapi.json, so a new route with an id in its path or body
fails here until it has a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.api.helpers import make_order, paid_payment

RECEIVER = "http://127.0.0.1:9/hook"  # nothing listens: delivery fails, the log exists


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: dict | None = None
    public: bool = False  # no secret: the second merchant sends only its X-Api-Key


TABLE = [
    Row("GET", "/api/v1/orders/{order}"),
    Row("GET", "/api/v1/orders/{order}/public", public=True),
    Row("POST", "/api/v1/payments", {"order_id": "{open_order}", "method": "upi", "vpa": "thief@upi"}),
    Row("POST", "/api/v1/payments/public", {"order_id": "{open_order}", "method": "upi", "vpa": "t@upi"}, True),
    Row("GET", "/api/v1/payments/{payment}"),
    Row("GET", "/api/v1/payments/{payment}/public", public=True),
    Row("POST", "/api/v1/payments/{payment}/capture", {}),
    Row("POST", "/api/v1/payments/{payment}/refunds", {"amount": 100}),
    Row("POST", "/api/v1/refunds", {"payment_id": "{payment}", "amount": 100}),
    Row("GET", "/api/v1/refunds/{refund}"),
    Row("GET", "/api/v1/webhooks/{log}"),
    Row("POST", "/api/v1/webhooks/{log}/retry"),
]
LISTS = [
    "/api/v1/orders",
    "/api/v1/payments",
    "/api/v1/refunds",
    "/api/v1/refunds?payment_id={payment}",
    "/api/v1/webhooks",
]


@pytest.fixture
async def owned(client: httpx.AsyncClient) -> dict[str, str]:
    """The first merchant's resources: a paid + refunded payment, an open order, a webhook log."""
    r = await client.put("/api/v1/webhooks/config", json={"webhook_url": RECEIVER})
    assert r.status_code == 200, r.text
    payment = await paid_payment(client)
    refund = await client.post(f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100})
    assert refund.status_code == 201, refund.text
    log = await client.post("/api/v1/webhooks/test")
    assert log.status_code == 202, log.text
    return {
        "order": payment["order_id"],
        "open_order": (await make_order(client))["id"],
        "payment": payment["id"],
        "refund": refund.json()["id"],
        "log": log.json()["id"],
    }


def fill(template: str, ids: dict[str, str]) -> str:
    return template.format(**ids)


def fill_body(body: dict | None, ids: dict[str, str]) -> dict | None:
    return None if body is None else {k: fill(v, ids) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"{r.method} {r.path}")
async def test_other_merchant_gets_404_for_foreign_ids(
    client: httpx.AsyncClient, other: httpx.AsyncClient, owned: dict[str, str], row: Row
):
    headers = {"X-Api-Secret": ""} if row.public else {}  # public routes: the key alone
    r = await other.request(row.method, fill(row.path, owned), json=fill_body(row.body, owned), headers=headers)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "NOT_FOUND_ERROR"
    # and nothing moved for the owner
    payment = (await client.get(f"/api/v1/payments/{owned['payment']}")).json()
    assert payment["captured"] is False and payment["amount_refunded"] == 100
    assert (await client.get("/api/v1/payments")).json()["total"] == 1
    assert (await client.get("/api/v1/refunds")).json()["total"] == 1


@pytest.mark.parametrize("path", LISTS)
async def test_other_merchants_lists_do_not_show_foreign_resources(
    other: httpx.AsyncClient, owned: dict[str, str], path: str
):
    body = (await other.get(fill(path, owned))).json()
    assert body["data"] == [] and body["total"] == 0


async def test_the_owner_still_sees_every_row(client: httpx.AsyncClient, owned: dict[str, str]):
    for row in TABLE:
        if row.method == "GET":
            r = await client.get(fill(row.path, owned))
            assert r.status_code == 200, (row.path, r.text)


def test_every_route_with_a_foreign_id_is_in_the_table():
    from api.app import build_api

    spec = build_api().openapi()
    covered = {
        (
            row.method,
            row.path.replace("{order}", "{order_id}")
            .replace("{payment}", "{payment_id}")
            .replace("{refund}", "{refund_id}")
            .replace("{log}", "{log_id}"),
        )
        for row in TABLE
    }
    with_ids = {(method.upper(), path) for path, item in spec["paths"].items() for method in item if "{" in path}
    assert with_ids <= covered, f"routes without an isolation row: {sorted(with_ids - covered)}"
