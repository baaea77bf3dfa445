"""Steps the live-app browser tests share: REST calls as a merchant, and page actions.

Used by the checkout and dashboard modules; the SDK widget's fake origins live in sdk_harness.py.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import httpx

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FUTURE = f"12/{(date.today().year + 2) % 100:02d}"


# ---- merchants and the REST API -----------------------------------------------------------------


@dataclass(frozen=True)
class Merchant:
    email: str
    password: str
    api_key: str
    api_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key, "X-Api-Secret": self.api_secret}


TEST_MERCHANT = Merchant("test@example.com", "test123", "key_test_abc123", "secret_test_xyz789")
AUTH = TEST_MERCHANT.auth


def new_merchant(app) -> Merchant:
    email = f"dash-{uuid.uuid4().hex[:10]}@example.com"
    r = httpx.post(
        f"{app.url}/api/v1/auth/register",
        json={"name": "Dash Shop", "email": email, "password": "s3cret-pass"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    m = r.json()["merchant"]
    return Merchant(email, "s3cret-pass", m["api_key"], m["api_secret"])


def create_order(app, amount: int = 50000, auth: dict | None = None) -> str:
    r = httpx.post(f"{app.url}/api/v1/orders", json={"amount": amount}, headers=auth or AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def get_payment(app, payment_id: str) -> dict:
    r = httpx.get(f"{app.url}/api/v1/payments/{payment_id}", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def get_order(app, order_id: str) -> dict:
    r = httpx.get(f"{app.url}/api/v1/orders/{order_id}", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def payments_for(app, order_id: str) -> list[dict]:
    r = httpx.get(f"{app.url}/api/v1/payments", params={"limit": 100}, headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    return [p for p in r.json()["data"] if p["order_id"] == order_id]


def pay(app, merchant: Merchant, amount: int, vpa: str = "shopper@upi") -> str:
    order = httpx.post(f"{app.url}/api/v1/orders", json={"amount": amount}, headers=merchant.auth, timeout=10)
    assert order.status_code == 201, order.text
    payment = httpx.post(
        f"{app.url}/api/v1/payments",
        headers=merchant.auth,
        timeout=10,
        json={"order_id": order.json()["id"], "method": "upi", "vpa": vpa},
    )
    assert payment.status_code == 201, payment.text
    return payment.json()["id"]


def wait_settled(app, merchant: Merchant, *payment_ids: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    for payment_id in payment_ids:
        while True:
            r = httpx.get(f"{app.url}/api/v1/payments/{payment_id}", headers=merchant.auth, timeout=10)
            if r.json()["status"] != "pending":
                break
            assert time.monotonic() < deadline, f"{payment_id} still pending"
            time.sleep(0.2)


# ---- hosted checkout ----------------------------------------------------------------------------


def open_checkout(page, app, order_id: str, **extra: str) -> None:
    query = urlencode({"order_id": order_id, **extra})
    page.goto(f"{app.url}/checkout?{query}")
    page.locator("[data-test-id=checkout-container]").wait_for()
    page.locator("[data-test-id=checkout-loading]").wait_for(state="detached")


def pay_upi(scope, vpa: str = "shopper@okaxis") -> None:
    scope.locator("[data-test-id=method-upi]").click()
    scope.locator("[data-test-id=upi-form]").wait_for()
    scope.locator("[data-test-id=vpa-input]").fill(vpa)
    scope.locator("[data-test-id=pay-button]").click()


def fill_card(scope, number: str, expiry: str = FUTURE, cvv: str = "123", name: str = "Asha Verma") -> None:
    scope.locator("[data-test-id=method-card]").click()
    scope.locator("[data-test-id=card-form]").wait_for()
    scope.locator("[data-test-id=card-number-input]").fill(number)
    scope.locator("[data-test-id=expiry-input]").fill(expiry)
    scope.locator("[data-test-id=cvv-input]").fill(cvv)
    scope.locator("[data-test-id=cardholder-name-input]").fill(name)


# ---- merchant dashboard -------------------------------------------------------------------------


def tid(test_id: str) -> str:
    return f"[data-test-id={test_id}]"


def login(page, app, merchant: Merchant = TEST_MERCHANT) -> None:
    page.goto(f"{app.url}/login")
    page.locator(tid("email-input")).fill(merchant.email)
    page.locator(tid("password-input")).fill(merchant.password)
    page.locator(tid("login-button")).click()
    page.wait_for_url(re.compile(r"/dashboard/?$"))
    page.locator(tid("dashboard")).wait_for()


def go(page, app, route: str, ready: str) -> None:
    page.goto(f"{app.url}{route}")
    page.locator(tid(ready)).first.wait_for()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let fonts and transitions settle
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def choose(page, trigger: str, option: str) -> None:
    page.locator(tid(trigger)).click()
    page.get_by_role("option", name=option, exact=True).click()


def statuses(page) -> list[str]:
    return page.locator(f"{tid('transaction-row')} {tid('status')}").all_inner_texts()
