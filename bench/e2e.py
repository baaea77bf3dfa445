"""End to end: n UPI payments created by bench/loadgen.py at 64 concurrency, each pre-made order paid
once, until every payment is final and its payment.success webhook has reached the receiver."""

from __future__ import annotations

import subprocess
import sys
import time

import orjson

from bench import stack as st
from bench.db import DB
from bench.paths import ROOT, SCRATCH
from bench.poll import wait_until
from bench.receiver_client import Receiver


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def phase_e2e(stack: st.Stack, db: DB, receiver: Receiver, n: int, timeout: float, prefix: str = "order_e") -> dict:
    """n UPI payments at 64 concurrency, on the pre-made orders `{prefix}…` → every one final and its
    payment.success webhook received."""
    out_file = SCRATCH / f"e2e-{stack.name}.json"
    before = receiver.stats()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            "e2e",
            "--url",
            stack.url,
            "--prefix",
            prefix,
            "--count",
            str(n),
            "--concurrency",
            "64",
            "--out",
            str(out_file),
        ],
        cwd=ROOT,
        check=True,
        timeout=timeout,
    )
    created = orjson.loads(out_file.read_bytes())
    ids = {p[0]: (p[1], p[2]) for p in created["payments"]}

    delivered = receiver.wait_for("payment.success", ids, timeout)
    ok_ids = [i for i in ids if i in delivered]
    mine = f"{prefix}%"
    statuses = dict(db.rows("SELECT status, COUNT(*) FROM payments WHERE order_id LIKE ? GROUP BY status", (mine,)))

    # every event of these payments delivered once: created, pending, success
    def logs_settled():
        return db.scalar("SELECT COUNT(*) FROM webhook_logs WHERE status = 'pending'") == 0

    wait_until(logs_settled, 60, 0.2)
    logs = dict(
        db.rows(
            "SELECT status, COUNT(*) FROM webhook_logs WHERE payment_id IN "
            "(SELECT id FROM payments WHERE order_id LIKE ?) GROUP BY status",
            (mine,),
        )
    )
    after = receiver.stats()
    latencies = [delivered[i] - ids[i][0] for i in ok_ids]
    end = max((delivered[i] for i in ok_ids), default=time.time())
    elapsed = end - created["started_at"]
    create_lat = [v[1] * 1000 for v in ids.values()]
    return {
        "n": n,
        "created_2xx": len(ids),
        "create_non2xx": created["non2xx"],
        "create_errors": created["errors"],
        "create_phase_s": round(created["finished_at"] - created["started_at"], 2),
        "create_p50_ms": round(pct(create_lat, 50), 1),
        "create_p99_ms": round(pct(create_lat, 99), 1),
        "elapsed_s": round(elapsed, 2),
        "payments_per_s": round(len(ok_ids) / elapsed, 1) if elapsed > 0 else 0,
        "success_webhooks_received": len(ok_ids),
        "create_to_webhook_p50_s": round(pct(latencies, 50), 3),
        "create_to_webhook_p99_s": round(pct(latencies, 99), 3),
        "create_to_webhook_max_s": round(max(latencies, default=0), 3),
        "payment_statuses": statuses,
        "webhook_log_statuses": logs,
        "events_received": {k: after["events"].get(k, 0) - before["events"].get(k, 0) for k in after["events"]},
        "bad_signatures": after["bad_signatures"] - before["bad_signatures"],
        "duplicate_deliveries": after["duplicates"] - before["duplicates"],
        "all_final_and_delivered": len(ok_ids) == n and statuses.get("pending", 0) == 0,
    }
