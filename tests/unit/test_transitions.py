"""The payment state machine (core/payment_rows.py TRANSITIONS) is what the settle SQL does."""

from __future__ import annotations

import re

from paygate_app.core import payment_settle
from paygate_app.core.payment_rows import TRANSITIONS, PaymentStatus, settle_from, settle_to

SETTLE_TEXTS = [payment_settle._SETTLE_SET, payment_settle._SETTLE_ITEM, payment_settle._PENDING]


def _from_states(sql: str) -> set[str]:
    """The payment states a statement moves rows out of (`status = '…'` in a WHERE of payments,
    bare or as `(payments.status = '…') IS TRUE`)."""
    return set(re.findall(r"(?:WHERE|AND) \(?(?:payments\.)?status = '(\w+)'", sql))


def test_settling_starts_from_the_one_state_with_ways_out() -> None:
    assert settle_from() == PaymentStatus.PENDING
    for sql in SETTLE_TEXTS:
        assert _from_states(sql) == {settle_from().value}, sql


def test_settling_ends_only_in_the_states_the_table_allows() -> None:
    [outcomes] = [set(re.findall(r"THEN '(\w+)' ELSE '(\w+)'", payment_settle._SETTLE_SET))]
    reached = {state for pair in outcomes for state in pair}
    assert reached == {s.value for s in TRANSITIONS[settle_from()]}
    assert {settle_to(True), settle_to(False)} == set(TRANSITIONS[settle_from()])


def test_the_table_has_no_way_out_of_a_settled_payment() -> None:
    assert [s for s, targets in TRANSITIONS.items() if targets] == [PaymentStatus.PENDING]
    assert all(target in TRANSITIONS for targets in TRANSITIONS.values() for target in targets)


def test_a_disagreeing_statement_would_be_caught() -> None:
    wrong = payment_settle._SETTLE_SET.replace("ELSE 'failed'", "ELSE 'refunded'")
    reached = {s for pair in re.findall(r"THEN '(\w+)' ELSE '(\w+)'", wrong) for s in pair}
    assert reached != {s.value for s in TRANSITIONS[settle_from()]}
