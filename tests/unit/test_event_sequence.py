"""The `sequence` of each event type follows the payment and refund state machines."""

from __future__ import annotations

from paygate_app.core.payment_rows import TRANSITIONS
from paygate_app.core.webhooks.events import SEQUENCE, EventType, build_body


def test_every_event_has_a_sequence_that_follows_the_state_machine() -> None:
    assert set(SEQUENCE) == set(EventType)
    payment = [SEQUENCE[e] for e in (EventType.PAYMENT_CREATED, EventType.PAYMENT_PENDING, EventType.PAYMENT_SUCCESS)]
    assert payment == sorted(set(payment)) and SEQUENCE[EventType.PAYMENT_FAILED] == SEQUENCE[EventType.PAYMENT_SUCCESS]
    assert SEQUENCE[EventType.REFUND_CREATED] < SEQUENCE[EventType.REFUND_PROCESSED]
    assert SEQUENCE[EventType.WEBHOOK_TEST] == 0


def test_build_body_puts_the_sequence_beside_the_event() -> None:
    body = build_body(EventType.REFUND_PROCESSED, {"refund": {"id": "rfnd_0000000000000001"}})
    assert body.startswith('{"event":"refund.processed","sequence":2,"timestamp":')


def test_payment_sequence_grows_along_every_transition() -> None:
    for source, targets in TRANSITIONS.items():
        for target in targets:
            assert SEQUENCE[EventType(f"payment.{target}")] > SEQUENCE[EventType(f"payment.{source}")], (source, target)
