"""The simulated bank: how long a payment or refund takes and whether it succeeds.

Test inputs (like Stripe's test cards) force an outcome; this module holds their one table.
How each is decided, given that card numbers are never stored (only network + last 4):

- failures are matched on the full card number / VPA when the payment is created (the stored
  `force_fail` flag, in any mode, like the seeds' always-fail inputs); at settle time the reason
  is read back from the stored VPA, or the card's last 4 (unique among the failing test cards);
- `pending` holds are decided at create time too: the payment is due only after PENDING_HOLD_MS;
- success (and the end of a hold) is decided at settle time from what is stored: the VPA, or a
  Visa's last 4 — in test mode only, so any Visa ending 4242 succeeds in test mode.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from paygate_app.core.settings import settings

PENDING_HOLD_MS = 30_000  # how long the `pending` test inputs stay pending (test mode)
FAILED = "PAYMENT_FAILED"


@dataclass(frozen=True)
class Outcome:
    success: bool
    error_code: str | None = None
    error_description: str | None = None


@dataclass(frozen=True)
class TestInput:
    """One documented magic input: what it simulates and the final state it reaches."""

    simulates: str
    outcome: str  # "success" | "failed" | "pending"
    error_code: str | None = None
    error_description: str | None = None
    holds: bool = False  # stays pending for PENDING_HOLD_MS (test mode), then success

    @property
    def fails(self) -> bool:
        return self.outcome == "failed"


_SUCCESS = TestInput("success", "success")
_PENDING = TestInput("stays pending for 30 s, then success", "pending", holds=True)
_DECLINE = TestInput("generic decline", "failed", FAILED, "Payment declined by the bank (test failure input)")
_FUNDS = TestInput("insufficient funds", "failed", "INSUFFICIENT_FUNDS", "Insufficient funds in the account")
_ERROR = TestInput(
    "processing error", "failed", "PROCESSING_ERROR", "The bank could not process the payment; try again"
)

TEST_CARDS: dict[str, TestInput] = {
    "4242424242424242": _SUCCESS,
    "4000000000000002": _DECLINE,  # the seeds' always-fail card
    "4000000000009995": _FUNDS,
    "4000000000000069": TestInput("expired card", "failed", "EXPIRED_CARD", "The bank reports the card as expired"),
    "4000000000000119": _ERROR,
    "4000000000000259": _PENDING,
}
TEST_VPAS: dict[str, TestInput] = {
    "success@upi": _SUCCESS,
    "failure@upi": _DECLINE,  # the seeds' always-fail VPA
    "insufficient@upi": _FUNDS,
    "expired@upi": TestInput(
        "collect request expired", "failed", "PAYMENT_EXPIRED", "The UPI collect request expired before approval"
    ),
    "error@upi": _ERROR,
    "pending@upi": _PENDING,
}
# What the settle step can see of a test card: its last 4 (all test cards are Visa).
_CARD_BY_LAST4 = {number[-4:]: test for number, test in TEST_CARDS.items()}
assert len(_CARD_BY_LAST4) == len(TEST_CARDS), "test cards need distinct last 4 digits"


def card_test_input(number: str) -> TestInput | None:
    """The test input a (normalized, digits-only) card number is, if any."""
    return TEST_CARDS.get(number)


def vpa_test_input(vpa: str) -> TestInput | None:
    return TEST_VPAS.get(vpa.lower())


def payment_delay_ms(test: TestInput | None = None) -> int:
    if settings.test_mode:
        delay = max(0, settings.test_processing_delay)
        if test is not None and test.holds:
            return max(delay, PENDING_HOLD_MS)
        return delay
    return random.randint(settings.processing_delay_min, settings.processing_delay_max)


def refund_delay_ms() -> int:
    if settings.test_mode:
        return max(0, settings.test_processing_delay)
    return random.randint(settings.refund_delay_min, settings.refund_delay_max)


def _stored_test_input(method: str, vpa: str | None, card_network: str | None, card_last4: str | None):
    if method == "upi":
        return vpa_test_input(vpa) if vpa else None
    if card_network == "visa" and card_last4:
        return _CARD_BY_LAST4.get(card_last4)
    return None


def decide_payment(
    *,
    method: str,
    always_fails: bool,
    vpa: str | None = None,
    card_network: str | None = None,
    card_last4: str | None = None,
) -> Outcome:
    """The bank's answer for a stored payment (`always_fails` is its `force_fail` flag)."""
    if always_fails:
        test = _stored_test_input(method, vpa, card_network, card_last4)
        if test is not None and test.fails:
            return Outcome(False, test.error_code, test.error_description)
        return Outcome(False, FAILED, _DECLINE.error_description)
    if settings.test_mode:
        test = _stored_test_input(method, vpa, card_network, card_last4)
        success = settings.test_payment_success if test is None or test.fails else True
    else:
        rate = settings.upi_success_rate if method == "upi" else settings.card_success_rate
        success = random.random() < rate
    if success:
        return Outcome(True)
    return Outcome(False, FAILED, "Payment declined by the bank")
