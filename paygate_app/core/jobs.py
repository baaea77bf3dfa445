"""The bell: core code rings for background work; tasks/ decides how (taskiq) it is heard.

The database is the source of truth. A ring that fails (queue down) is logged and dropped:
the sweeper finds the due row and does the work anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import StrEnum

log = logging.getLogger("paygate.jobs")


class JobKind(StrEnum):
    PROCESS_PAYMENT = "process_payment"
    PROCESS_REFUND = "process_refund"
    DELIVER_WEBHOOK = "deliver_webhook"


# (kind, id, webhooks, held_until): `webhooks` are outbox rows the same job delivers (the events
# written with the payment or refund), so one message carries a new payment's whole background
# work; `held_until` is the claim they were written with, if any (the job sends them without
# claiming them again while it holds).
Ringer = Callable[[JobKind, str, Sequence[str], datetime | None], Awaitable[None]]
_ringer: Ringer | None = None


def set_ringer(ringer: Ringer | None) -> None:
    global _ringer
    _ringer = ringer


async def ring(kind: JobKind, job_id: str, *, webhooks: Sequence[str] = (), held_until: datetime | None = None) -> None:
    """Ask for `kind` on `job_id` (and, for a payment or refund, delivery of its `webhooks`)."""
    if _ringer is None:
        return
    try:
        await _ringer(kind, job_id, tuple(webhooks), held_until)
    except Exception:  # the sweeper is the safety net
        log.warning("could not enqueue %s %s; the sweeper will pick it up", kind, job_id, exc_info=True)
