"""Fuzz the running API with schemathesis, from its own /openapi.json, as the test merchant and anonymously.

The API-only Granian server (`api.asgi:app`, the same FastAPI app Reflex mounts) runs on a fresh
SQLite database with the in-process worker. Every operation gets positive and negative (schema-
violating) requests; a run fails on any 5xx, any status, content type, header or body that its
declared response does not allow, any accepted request that broke the schema, and any stack trace
in a body. Bounded by FUZZ_EXAMPLES per operation and mode (default 20: about 90 s on 2 busy cores).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import build_api
from paygate_app.core.errors import PaygateError
from paygate_app.core.merchants import TEST_MERCHANT
from paygate_app.core.methods import validate_card, validate_vpa
from tests.support.databases import migrate
from tests.support.live_app import app_env
from tests.support.processes import start_api, terminate

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
AUTH = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+|\bat [\w.$]+\(\w+\.java:")
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure reproduces
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    db_url = f"sqlite:///{workdir / 'fuzz.db'}"
    migrate(db_url)
    env = app_env(
        DATABASE_URL=db_url,
        TEST_MODE="true",
        TEST_PROCESSING_DELAY="50",
        RATE_LIMIT_ENABLED="false",
        RATE_LIMIT_LOGIN_FAILURES="",
        REDIS_URL="",
    )
    proc, url = start_api(env, workdir)
    yield url
    terminate(proc)
    log = "\n".join(p.read_text() for p in workdir.glob("api-*.log"))
    assert "Traceback" not in log, f"the server logged an unhandled error:\n{log[-4000:]}"


def operations() -> list:
    """Every operation of the app's OpenAPI document (the served /openapi.json is checked to be the same)."""
    spec = schemathesis.openapi.from_dict(build_api().openapi())
    # Unknown query parameters are ignored by design, like unknown body fields (extra="ignore").
    spec.config.generation.update(allow_extra_parameters=False)
    return [result.ok() for result in spec.get_all_operations()]


OPERATIONS = operations()
CASES = [
    pytest.param(op, mode, id=f"{op.method.upper()} {op.path} {mode.value}")
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
]


def assert_no_stack_trace(response) -> None:
    assert not STACK_TRACE.search(response.text or ""), f"stack trace in the body:\n{response.text[:2000]}"


def fuzz(operation, mode: GenerationMode, base_url: str, headers: dict[str, str] | None) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @FUZZ_SETTINGS
    @given(case=strategy)
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        case.validate_response(response, checks=CHECKS, headers=headers)
        assert_no_stack_trace(response)

    try:
        run()
    except Unsatisfiable:
        pytest.skip(f"no {mode.value} cases for {operation.label}")


def test_served_schema_is_the_fuzzed_one(api_url: str):
    served = httpx.get(f"{api_url}/openapi.json", timeout=10).json()
    assert served == build_api().openapi()


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_fuzz_as_test_merchant(api_url: str, operation, mode: GenerationMode) -> None:
    fuzz(operation, mode, api_url, AUTH)


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_fuzz_anonymous(api_url: str, operation, mode: GenerationMode) -> None:
    fuzz(operation, mode, api_url, None)


# The method checks on their own, over any text (issue 15, item 8): a typed 4xx error or a value
# made of ASCII only, never another exception (a 500) and never a non-ASCII digit stored.
ANY_VALUE = st.one_of(st.text(max_size=24), st.integers(), st.floats(), st.booleans(), st.none())
DIGITISH = st.text(alphabet=st.characters(categories=["Nd", "No", "Zs", "Cc"]) | st.sampled_from("0123456789 -"))


@FUZZ_SETTINGS
@given(number=st.one_of(DIGITISH, ANY_VALUE), month=ANY_VALUE, year=ANY_VALUE, cvv=st.one_of(DIGITISH, ANY_VALUE))
def test_card_checks_refuse_or_accept_ascii_only(number, month, year, cvv) -> None:
    card = {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv}
    try:
        summary = validate_card(card)
    except PaygateError as exc:
        assert exc.http_status == 400
        return
    assert summary.last4.isascii() and summary.last4.isdigit() and len(summary.last4) == 4
    assert isinstance(number, str) and isinstance(cvv, (str, int))


@FUZZ_SETTINGS
@given(vpa=st.one_of(ANY_VALUE, st.from_regex(r"[a-z]{1,5}@[a-z]{1,5}\s?", fullmatch=True)))
def test_vpa_check_refuses_or_accepts_ascii_only(vpa) -> None:
    try:
        accepted = validate_vpa(vpa)
    except PaygateError as exc:
        assert exc.http_status == 400
        return
    assert accepted.isascii() and accepted == accepted.strip()
