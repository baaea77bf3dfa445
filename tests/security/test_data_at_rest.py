"""No card number, CVV or expiry at rest: not in the database (a full dump of every table, and the
raw SQLite files), not in the logs, not in the webhook payloads that leave the building.

Card payments go through every path that sees a card: the authenticated API, the public checkout
endpoint, an idempotent request (its response is stored), and refused cards (their errors are stored
and logged). Then the whole database and everything logged at DEBUG are searched.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paygate_app.core.settings import settings
from tests.api.helpers import make_order, wait_payment
from tests.webhooks.webhook_support import Receiver

CVV = "9371"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
MONTH, YEAR = "07", "2031"


def luhn_number(prefix: str = "4", length: int = 16) -> str:
    """A random Luhn-valid card number, so a hit can only come from this test."""
    digits = prefix + "".join(random.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def token(value: str) -> re.Pattern[str]:
    """`value` standing alone (not inside an id, hash or longer number)."""
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Captures the webhook bodies that actually leave the gateway."""
    r = Receiver()
    yield r
    r.stop()


def dump_database(backend: str) -> str:
    """Every row of every table as text, plus (SQLite) the raw database, WAL and SHM bytes."""
    url = settings.effective_database_url
    if backend == "postgres":
        out = subprocess.run(["pg_dump", "--no-owner", url], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "COPY public.merchants" in out.stdout
        return out.stdout
    path = Path(url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    with sqlite3.connect(path) as conn:
        text = "\n".join(conn.iterdump())
    assert 'INSERT INTO "merchants"' in text
    return text + "\n" + raw.decode("latin-1")


def card(number: str, cvv: str = CVV, year: str = YEAR) -> dict:
    return {"number": number, "expiry_month": MONTH, "expiry_year": year, "cvv": cvv, "holder_name": "Asha Rao"}


async def wait_for(predicate) -> None:
    for _ in range(150):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_card_data_is_nowhere_at_rest(
    client: httpx.AsyncClient, anon: httpx.AsyncClient, backend: str, receiver: Receiver, caplog
):
    caplog.set_level(logging.DEBUG)
    assert (await client.put("/api/v1/webhooks/config", json={"webhook_url": receiver.url})).status_code == 200
    pan = luhn_number()
    while pan[-4:] in (CVV, YEAR):  # the last 4 are kept on purpose; they must not pose as CVV or year
        pan = luhn_number()
    spaced = " ".join(pan[i : i + 4] for i in range(0, 16, 4))

    o1, o2, o3 = [await make_order(client) for _ in range(3)]
    r1 = await client.post("/api/v1/payments", json={"order_id": o1["id"], "method": "card", "card": card(spaced)})
    r2 = await anon.post("/api/v1/payments/public", json={"order_id": o2["id"], "method": "card", "card": card(pan)})
    r3 = await client.post(
        "/api/v1/payments",
        headers={"Idempotency-Key": "rest-1"},
        json={"order_id": o3["id"], "method": "card", "card": card(pan)},
    )
    assert [r.status_code for r in (r1, r2, r3)] == [201, 201, 201], [r.text for r in (r1, r2, r3)]
    refused = [
        await client.post(
            "/api/v1/payments",
            headers={"Idempotency-Key": "rest-2"},
            json={"order_id": o1["id"], "method": "card", "card": card(pan, year="2020")},
        ),
        await client.post(
            "/api/v1/payments", json={"order_id": o1["id"], "method": "card", "card": card(pan[:-1] + "x")}
        ),
        await client.post(
            "/api/v1/payments", json={"order_id": o1["id"], "method": "card", "card": card(pan, cvv=CVV + "99")}
        ),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]
    for r in (r1, r2, r3):
        assert (await wait_payment(client, r.json()["id"]))["status"] == "success"
    await wait_for(lambda: sum(b'"payment.success"' in b for b in receiver.bodies) == 3)

    dump = dump_database(backend)
    logs = "\n".join(f"{rec.name} {rec.getMessage()} {rec.args!r}" for rec in caplog.records)
    sent = b"\n".join(receiver.bodies).decode()
    responses = "\n".join(r.text for r in (r1, r2, r3, *refused))
    assert len(caplog.records) > 0 and len(receiver.bodies) >= 6

    for name, text in {"database": dump, "logs": logs, "webhooks": sent, "responses": responses}.items():
        assert pan not in text and spaced not in text and pan[:-1] not in text, f"card number in {name}"
        # A UUID's 4-hex groups ("…-9371-…") can spell any 4 digits by chance: look past them.
        short = UUID.sub("<uuid>", text)
        assert not token(CVV).search(short) and not token(CVV + "99").search(short), f"CVV in {name}"
        assert f"{MONTH}/{YEAR[2:]}" not in text and not token(YEAR).search(short), f"expiry in {name}"
        for key in ('"cvv"', '"expiry_month"', '"expiry_year"', '"number"', "holder_name", "Asha Rao"):
            assert key not in text, f"{key} in {name}"
    assert pan[-4:] in dump  # what is kept: the last 4 digits (and the network)


async def test_api_secrets_are_stored_only_as_keyed_hashes(client: httpx.AsyncClient, backend: str):
    r = await client.post(
        "/api/v1/auth/register", json={"name": "Rest", "email": "rest@example.com", "password": "a-long-password"}
    )
    secret = r.json()["merchant"]["api_secret"]
    dump = dump_database(backend)
    assert secret not in dump and "secret_test_xyz789" not in dump
    assert "a-long-password" not in dump and "test123" not in dump
    assert "$argon2id$" in dump  # passwords: argon2
