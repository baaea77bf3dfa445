"""Structured JSON logs: one object per line, with the request id and payment id bound by context."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.metrics import MetricsMiddleware
from paygate_app.core.observability import configure_logging, log_context


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    buf = io.StringIO()
    handler = configure_logging(fmt="json", level="INFO", stream=buf)
    yield buf
    root.removeHandler(handler)
    root.setLevel(level)


def _records(buf: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


def test_json_log_line_carries_payment_id_and_extras(log_lines):
    with log_context(payment_id="pay_abcdefghijklmnop"):
        logging.getLogger("paygate.test").info("settled %s", "success", extra={"amount": 5000})
    logging.getLogger("paygate.test").info("outside")
    inside, outside = _records(log_lines)
    assert inside["message"] == "settled success" and inside["level"] == "info" and inside["logger"] == "paygate.test"
    assert inside["payment_id"] == "pay_abcdefghijklmnop" and inside["amount"] == 5000
    assert inside["ts"].endswith("Z")
    assert "payment_id" not in outside


def test_json_log_line_includes_exception(log_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("paygate.test").exception("failed")
    [record] = _records(log_lines)
    assert record["level"] == "error" and "ValueError: boom" in record["exception"]


async def test_request_id_is_on_every_log_line_of_the_request(log_lines):
    async def endpoint(request):
        logging.getLogger("paygate.test").warning("inside request")
        return PlainTextResponse("ok")

    app = MetricsMiddleware(Starlette(routes=[Route("/thing/{id}", endpoint)]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        given = await client.get("/thing/1", headers={"X-Request-ID": "rid-42"})
        fresh = await client.get("/thing/2")
    first, second = _records(log_lines)
    assert given.headers["x-request-id"] == first["request_id"] == "rid-42"
    assert fresh.headers["x-request-id"] == second["request_id"] != "rid-42"


def test_text_format_keeps_bound_fields():
    buf = io.StringIO()
    handler = configure_logging(fmt="text", level="INFO", stream=buf)
    try:
        with log_context(request_id="r1"):
            logging.getLogger("paygate.test").info("hello")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "hello [request_id=r1]" in buf.getvalue()
