"""The stock Standard Webhooks libraries (Python, npm) and the example receivers, against real deliveries."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.kit.live_kit import NODE_KIT, ROOT, Capture, Delivery, Merchant, set_webhook_url, spawn, stop
from tests.support.live_app import free_port

SEEDED = Merchant("key_test_abc123", "secret_test_xyz789", "whsec_test_abc123")
# The seeded secret's tail is not base64, so it is keyed with the whole string; the stock
# libraries take that key base64-wrapped (README, "Verifying webhooks").
SEEDED_FOR_STOCK = "whsec_" + base64.b64encode(b"whsec_test_abc123").decode()
NODE_VERIFY = """
const { Webhook } = require("standardwebhooks");
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
try {
  const payload = new Webhook(input.secret).verify(Buffer.from(input.body, "base64"), input.headers);
  console.log("ok " + payload.event);
} catch (err) {
  console.log("refused " + err.message);
  process.exit(1);
}
"""


@pytest.fixture(scope="session")
def node_path() -> str:
    """The npm `standardwebhooks` package (installed by `make deps`; installed here if missing)."""
    if not (NODE_KIT / "node_modules" / "standardwebhooks").is_dir():
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NODE_KIT),
                "standardwebhooks@1.3.0",
            ],
            check=True,
            timeout=300,
            capture_output=True,
        )
    return str(NODE_KIT / "node_modules")


def _test_delivery(api_url: str, merchant: Merchant, capture: Capture) -> Delivery:
    response = httpx.post(f"{api_url}/api/v1/webhooks/test", headers=merchant.auth, timeout=10)
    assert response.status_code == 202, response.text
    return capture.wait_for("webhook.test")


def _node_verify(node_path: str, secret: str, body: bytes, headers: dict[str, str]) -> subprocess.CompletedProcess:
    data = json.dumps({"secret": secret, "body": base64.b64encode(body).decode(), "headers": headers})
    return subprocess.run(
        ["node", "-e", NODE_VERIFY],
        input=data,
        capture_output=True,
        text=True,
        timeout=30,
        env={"NODE_PATH": node_path},
    )


def _secret_case(case: str, api_url: str, merchant: Merchant) -> tuple[Merchant, str]:
    """(the merchant to deliver for, the secret exactly as the stock library is given it)."""
    if case == "generated":
        return merchant, merchant.webhook_secret
    if case == "regenerated":
        response = httpx.post(f"{api_url}/api/v1/webhooks/secret/regenerate", headers=merchant.auth, timeout=10)
        secret = response.json()["webhook_secret"]
        assert secret != merchant.webhook_secret and len(base64.b64decode(secret[6:], validate=True)) == 32
        return Merchant(merchant.key, merchant.secret, secret), secret
    return SEEDED, SEEDED_FOR_STOCK


@pytest.mark.parametrize("case", ["generated", "regenerated", "seeded"])
def test_delivery_verified_by_stock_python_library(
    api_url: str, merchant: Merchant, capture: Capture, case: str
) -> None:
    owner, stock_secret = _secret_case(case, api_url, merchant)
    set_webhook_url(api_url, owner, capture.url)
    delivery = _test_delivery(api_url, owner, capture)

    assert Webhook(stock_secret).verify(delivery.body, delivery.trio)["event"] == "webhook.test"


@pytest.mark.parametrize("case", ["generated", "regenerated", "seeded"])
def test_delivery_verified_by_stock_node_library(
    api_url: str, merchant: Merchant, capture: Capture, node_path: str, case: str
) -> None:
    owner, stock_secret = _secret_case(case, api_url, merchant)
    set_webhook_url(api_url, owner, capture.url)
    delivery = _test_delivery(api_url, owner, capture)

    result = _node_verify(node_path, stock_secret, delivery.body, delivery.trio)
    assert result.returncode == 0 and result.stdout.strip() == "ok webhook.test", result.stdout + result.stderr
    tampered = _node_verify(node_path, stock_secret, delivery.body + b" ", delivery.trio)
    assert tampered.returncode == 1 and tampered.stdout.startswith("refused"), tampered.stdout + tampered.stderr


def _resend(headers: dict[str, str]) -> dict[str, str]:
    """The captured headers minus the transport's own (httpx sets the length of the new body)."""
    return {k: v for k, v in headers.items() if k not in ("content-length", "host", "connection")}


def _receiver(kind: str, secret: str, node_path: str):
    port = free_port()
    env = {"PAYGATE_WEBHOOK_SECRET": secret, "WEBHOOK_RECEIVER_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    if kind == "python":
        proc, lines = spawn([sys.executable, str(ROOT / "examples" / "webhook_receiver.py")], **env)
    else:
        proc, lines = spawn(
            ["node", str(ROOT / "examples" / "node" / "webhook_receiver.js")], NODE_PATH=node_path, **env
        )
    lines.wait_for("Listening on", within=20)
    return proc, lines, f"http://127.0.0.1:{port}/webhook"


@pytest.mark.parametrize("kind", ["python", "node"])
@pytest.mark.parametrize("case", ["generated", "seeded"])
def test_example_receiver_accepts_real_delivery_refuses_tampering_and_replay(
    api_url: str, merchant: Merchant, capture: Capture, node_path: str, kind: str, case: str
) -> None:
    owner = merchant if case == "generated" else SEEDED
    proc, lines, url = _receiver(kind, owner.webhook_secret, node_path)
    try:
        set_webhook_url(api_url, owner, url)
        response = httpx.post(f"{api_url}/api/v1/webhooks/test", headers=owner.auth, timeout=10)
        assert response.status_code == 202, response.text
        lines.wait_for("webhook.test id=")  # a real delivery, accepted

        set_webhook_url(api_url, owner, capture.url)
        delivery = _test_delivery(api_url, owner, capture)
        send = lambda body, headers: httpx.post(url, content=body, headers=_resend(headers), timeout=10).status_code  # noqa: E731
        assert send(delivery.body.replace(b"webhook.test", b"payment.success"), delivery.headers) == 401

        stale_at = datetime.now(UTC) - timedelta(minutes=10)
        stock = owner.webhook_secret if case == "generated" else SEEDED_FOR_STOCK
        stale = {
            **delivery.headers,
            "webhook-timestamp": str(int(stale_at.timestamp())),
            "webhook-signature": Webhook(stock).sign(delivery.headers["webhook-id"], stale_at, delivery.body.decode()),
        }
        assert send(delivery.body, stale) == 401  # a replay outside the 5-minute tolerance
        assert send(delivery.body, delivery.headers) == 200  # the untouched capture still verifies
        lines.wait_for("refused", within=5)
    finally:
        stop(proc)
