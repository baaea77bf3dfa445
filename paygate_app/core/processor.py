"""The simulated bank: how long a payment or refund takes and whether it succeeds."""

from __future__ import annotations

import random
from dataclasses import dataclass

from paygate_app.core.settings import settings


@dataclass(frozen=True)
class Outcome:
    success: bool
    error_code: str | None = None
    error_description: str | None = None


def payment_delay_ms() -> int:
    if settings.test_mode:
        return max(0, settings.test_processing_delay)
    return random.randint(settings.processing_delay_min, settings.processing_delay_max)


def refund_delay_ms() -> int:
    if settings.test_mode:
        return max(0, settings.test_processing_delay)
    return random.randint(settings.refund_delay_min, settings.refund_delay_max)


def decide_payment(*, method: str, always_fails: bool) -> Outcome:
    if always_fails:
        return Outcome(False, "PAYMENT_FAILED", "Payment declined by the bank (test failure input)")
    if settings.test_mode:
        success = settings.test_payment_success
    else:
        rate = settings.upi_success_rate if method == "upi" else settings.card_success_rate
        success = random.random() < rate
    if success:
        return Outcome(True)
    return Outcome(False, "PAYMENT_FAILED", "Payment declined by the bank")
