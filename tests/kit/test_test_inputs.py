"""Each documented test input (core/processor.py) reaches its documented final state through the API."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from paygate_app.core import processor
from paygate_app.core.settings import settings
from tests.api.helpers import FUTURE_YEAR, make_order, wait_payment

CARDS = sorted(processor.TEST_CARDS.items())
VPAS = sorted(processor.TEST_VPAS.items())


def _card(number: str) -> dict:
    return {"number": number, "expiry_month": "12", "expiry_year": FUTURE_YEAR, "cvv": "123", "holder_name": "QA"}


async def _pay(client: httpx.AsyncClient, body: dict) -> dict:
    order = await make_order(client)
    response = await client.post("/api/v1/payments", json={"order_id": order["id"], **body})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    return response.json()


def _assert_final(final: dict, test: processor.TestInput) -> None:
    expected = "success" if test.outcome in ("success", "pending") else "failed"
    assert final["status"] == expected, final
    assert (final["error_code"], final["error_description"]) == (test.error_code, test.error_description)


@pytest.mark.parametrize(("number", "test"), CARDS, ids=[n for n, _ in CARDS])
async def test_create_payment_test_card_reaches_documented_state(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, number: str, test: processor.TestInput
) -> None:
    monkeypatch.setattr(processor, "PENDING_HOLD_MS", 1500)
    payment = await _pay(client, {"method": "card", "card": _card(number)})
    _assert_final(await wait_payment(client, payment["id"], within=15), test)


@pytest.mark.parametrize(("vpa", "test"), VPAS, ids=[v for v, _ in VPAS])
async def test_create_payment_test_vpa_reaches_documented_state(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, vpa: str, test: processor.TestInput
) -> None:
    monkeypatch.setattr(processor, "PENDING_HOLD_MS", 1500)
    payment = await _pay(client, {"method": "upi", "vpa": vpa})
    _assert_final(await wait_payment(client, payment["id"], within=15), test)


@pytest.mark.parametrize(
    "body", [{"method": "upi", "vpa": "pending@upi"}, {"method": "card", "card": _card("4000000000000259")}]
)
async def test_create_payment_pending_input_stays_pending_for_the_hold(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, body: dict
) -> None:
    monkeypatch.setattr(processor, "PENDING_HOLD_MS", 2000)
    payment = await _pay(client, body)
    await asyncio.sleep(1.0)  # well past the 300 ms test delay that settles ordinary payments
    assert (await client.get(f"/api/v1/payments/{payment['id']}")).json()["status"] == "pending"
    assert (await wait_payment(client, payment["id"], within=15))["status"] == "success"


@pytest.mark.parametrize(
    "body", [{"method": "upi", "vpa": "success@upi"}, {"method": "card", "card": _card("4242424242424242")}]
)
async def test_create_payment_success_input_succeeds_when_test_mode_fails_payments(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, body: dict
) -> None:
    monkeypatch.setattr(settings, "test_payment_success", False)
    ordinary = await _pay(client, {"method": "upi", "vpa": "shopper@upi"})
    forced = await _pay(client, body)
    assert (await wait_payment(client, ordinary["id"]))["status"] == "failed"
    assert (await wait_payment(client, forced["id"]))["status"] == "success"


async def test_create_payment_lookalike_card_is_not_a_test_input(client: httpx.AsyncClient) -> None:
    """Another Visa ending 0002 is an ordinary payment: only the full test number always fails."""
    payment = await _pay(client, {"method": "card", "card": _card("4111111111150002")})
    assert (await wait_payment(client, payment["id"]))["status"] == "success"
