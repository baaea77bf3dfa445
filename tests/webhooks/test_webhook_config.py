"""Webhook URL validation, clearing, the private-address guard and secret rotation."""

from __future__ import annotations

import pytest

from paygate_app.core.db import Database
from paygate_app.core.errors import BadRequest
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.settings import settings
from paygate_app.core.webhooks.config import get_config, regenerate_webhook_secret, set_webhook_url

pytestmark = pytest.mark.asyncio
MID = TEST_MERCHANT["id"]


async def test_set_webhook_url_valid_reads_back(db: Database) -> None:
    out = await set_webhook_url(MID, "https://shop.example.com/hooks?x=1")
    assert out == {"webhook_url": "https://shop.example.com/hooks?x=1", "webhook_secret": "whsec_test_abc123"}
    assert (await get_config(MID))["webhook_url"] == "https://shop.example.com/hooks?x=1"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://shop.example.com/hook",
        "https://example.com/" + "a" * 10_000,
        "not a url",
        "garbage",
        "http://",
        "javascript:alert(1)",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://example.com/\nX-Injected: 1",
    ],
)
async def test_set_webhook_url_invalid_refused(db: Database, url: str) -> None:
    await set_webhook_url(MID, "https://shop.example.com/hook")
    with pytest.raises(BadRequest):
        await set_webhook_url(MID, url)
    assert (await get_config(MID))["webhook_url"] == "https://shop.example.com/hook"


@pytest.mark.parametrize("cleared", [None, "", "   "])
async def test_set_webhook_url_empty_clears(db: Database, cleared: str | None) -> None:
    await set_webhook_url(MID, "https://shop.example.com/hook")
    out = await set_webhook_url(MID, cleared)
    assert out["webhook_url"] is None
    assert (await get_config(MID))["webhook_url"] is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://2130706433/hook",
        "http://0x7f000001/hook",
        "http://127.1/hook",
        "http://0177.0.0.1/hook",
        "http://[::]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://172.16.0.1/hook",
    ],
)
async def test_set_webhook_url_private_refused_when_private_hosts_not_allowed(
    db: Database, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """TEST_MODE stays on (as in production) and disables nothing."""
    monkeypatch.setattr(settings, "test_mode", True)
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    with pytest.raises(BadRequest, match="loopback, private or reserved"):
        await set_webhook_url(MID, url)


async def test_set_webhook_url_public_address_allowed_when_private_hosts_not_allowed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", False)
    out = await set_webhook_url(MID, "https://93.184.216.34/hook")
    assert out["webhook_url"] == "https://93.184.216.34/hook"


async def test_set_webhook_url_loopback_allowed_when_private_hosts_allowed(db: Database) -> None:
    out = await set_webhook_url(MID, "http://127.0.0.1:9000/hook")
    assert out["webhook_url"] == "http://127.0.0.1:9000/hook"


async def test_regenerate_webhook_secret_replaces_secret(db: Database) -> None:
    secret = await regenerate_webhook_secret(MID)
    assert secret.startswith("whsec_") and secret != "whsec_test_abc123"
    assert (await get_config(MID))["webhook_secret"] == secret
