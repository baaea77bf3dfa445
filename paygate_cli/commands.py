"""`paygate trigger` and `paygate webhooks tail`: real objects, real signed events."""

from __future__ import annotations

import time
from collections.abc import Callable

from paygate_cli.client import Api, ApiError

# Test inputs (documented in the README's Testing section) that force each outcome.
SUCCESS_VPA = "success@upi"
FAILURE_VPA = "failure@upi"
EVENTS = ("payment.success", "payment.failed", "refund.processed")


def trigger(api: Api, event: str, amount: int, say: Callable[[str], None]) -> None:
    """Create the order, payment (and refund) whose settlement sends `event` to the webhook URL."""
    config = api.call("GET", "/api/v1/webhooks/config")
    if not config.get("webhook_url"):
        say("note: no webhook URL is configured; set one (dashboard or PUT /api/v1/webhooks/config) to receive events")
    order = api.call("POST", "/api/v1/orders", {"amount": amount, "currency": "INR", "receipt": "paygate-cli"})
    say(f"order {order['id']} created ({amount} paise)")
    vpa = FAILURE_VPA if event == "payment.failed" else SUCCESS_VPA
    payment = api.call("POST", "/api/v1/payments", {"order_id": order["id"], "method": "upi", "vpa": vpa})
    say(f"payment {payment['id']} created (upi {vpa})")
    payment = api.wait_status(f"/api/v1/payments/{payment['id']}", {"success", "failed"})
    say(f"payment {payment['id']} {payment['status']}")
    wanted = "failed" if event == "payment.failed" else "success"
    if payment["status"] != wanted:
        raise ApiError(f"payment {payment['id']} ended {payment['status']}, not {wanted} (is the server in test mode?)")
    if event == "refund.processed":
        refund = api.call("POST", f"/api/v1/payments/{payment['id']}/refunds", {"amount": amount, "reason": "cli"})
        say(f"refund {refund['id']} created")
        refund = api.wait_status(f"/api/v1/refunds/{refund['id']}", {"processed", "failed"})
        say(f"refund {refund['id']} {refund['status']}")
    say(f"triggered {event}")


def _line(log: dict, payload: dict) -> str:
    """One delivery; with the object it is about and its `sequence` (its place in that object's
    life: deliveries may arrive out of order, the sequence does not)."""
    data = payload.get("data") or {}
    obj = data.get("payment") or data.get("refund") or {}
    about = f" {obj['id']}" if "id" in obj else ""
    seq = f" seq={payload['sequence']}" if "sequence" in payload else ""
    return (
        f"{log['created_at']}  {log['id']}  {log['event']:<17} {log['status']:<8} "
        f"attempts={log['attempts']} response={log.get('response_code')}{about}{seq}"
    )


def tail(api: Api, *, follow: bool, interval: float, limit: int, say: Callable[[str], None]) -> None:
    """Print deliveries (oldest first) and each new attempt; with `follow`, keep polling."""
    seen: dict[str, tuple] = {}
    printed_attempts: dict[str, int] = {}
    while True:
        logs = api.call("GET", f"/api/v1/webhooks?limit={limit}&offset=0")["data"]
        for log in reversed(logs):
            state = (log["status"], log["attempts"], log.get("response_code"))
            if seen.get(log["id"]) == state:
                continue
            seen[log["id"]] = state
            detail = api.call("GET", f"/api/v1/webhooks/{log['id']}")
            say(_line(log, detail.get("payload") or {}))
            for attempt in detail.get("attempt_history", [])[printed_attempts.get(log["id"], 0) :]:
                error = f" error={attempt['error']}" if attempt.get("error") else ""
                say(
                    f"    attempt {attempt['attempt']}: response={attempt.get('response_code')} "
                    f"{attempt.get('duration_ms')} ms{error}"
                )
            printed_attempts[log["id"]] = len(detail.get("attempt_history", []))
        if not follow:
            return
        time.sleep(interval)
