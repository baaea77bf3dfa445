"""Fan-out: n pending webhook logs written in one transaction (an outbox burst), rung into the queue
when there is Redis (bench/enqueue.py) or left to the in-process sweeper, until all are delivered."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import orjson

from bench import stack as st
from bench.db import DB, MERCHANT_ID
from bench.paths import ROOT
from bench.poll import wait_until
from bench.receiver_client import Receiver


def phase_fanout(stack: st.Stack, db: DB, receiver: Receiver, n: int, timeout: float) -> dict:
    """n pending webhook logs written at once (as an outbox burst) → all delivered, none lost."""
    now = datetime.now(UTC)
    ts = db.ts(now)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    stamp = int(now.timestamp())
    rows = [
        (
            i,
            MERCHANT_ID,
            orjson.dumps(
                {"event": "webhook.test", "sequence": 0, "timestamp": stamp, "data": {"message": "fan-out", "n": k}}
            ).decode(),
            receiver.url,
            ts,
            ts,
            ts,
        )
        for k, i in enumerate(ids)
    ]
    before = receiver.stats()
    enqueuer = None
    if stack.env.get("REDIS_URL"):
        enqueuer = subprocess.Popen(
            [sys.executable, "-m", "bench.enqueue"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=stack.env,
        )
        assert enqueuer.stdout is not None and enqueuer.stdout.readline().strip() == "ready"
    t0 = time.time()
    db.insert_many(
        "INSERT INTO webhook_logs (id, merchant_id, event, payload, status, attempts, url, next_retry_at,"
        " created_at, updated_at) VALUES (?, ?, 'webhook.test', ?, 'pending', 0, ?, ?, ?, ?)",
        rows,
    )
    committed = time.time()
    how = "sweeper"
    if enqueuer is not None:
        # The app rings the queue right after its commit; do the same for these rows.
        enqueuer.communicate("\n".join(ids), timeout=120)
        if enqueuer.returncode:
            raise RuntimeError(f"bench.enqueue exited with {enqueuer.returncode}")
        how = "queue (taskiq on Redis) + sweeper"
    enqueued = time.time()
    wanted = set(ids)
    got = receiver.wait_for("webhook.test", wanted, timeout)
    received = wanted & set(got)
    last = max((got[i] for i in received), default=time.time())
    after = receiver.stats()

    # The receiver has them all; the workers record each attempt right after its answer.
    def recorded() -> bool:
        return db.scalar("SELECT COUNT(*) FROM webhook_logs WHERE event = 'webhook.test' AND status = 'pending'") == 0

    wait_until(recorded, 60, 0.2)
    statuses = dict(db.rows("SELECT status, COUNT(*) FROM webhook_logs WHERE event = 'webhook.test' GROUP BY status"))
    attempts = db.scalar(
        "SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_logs l ON l.id = a.log_id WHERE l.event = 'webhook.test'"
    )
    elapsed = last - committed
    return {
        "n": n,
        "picked_up_by": how,
        "insert_s": round(committed - t0, 3),
        "enqueue_s": round(enqueued - committed, 3),
        "elapsed_s": round(elapsed, 2),
        "deliveries_per_s": round(len(received) / elapsed, 1) if elapsed > 0 else 0,
        "received": len(received),
        "lost": n - len(received),
        "duplicate_deliveries": after["duplicates"] - before["duplicates"],
        "bad_signatures": after["bad_signatures"] - before["bad_signatures"],
        "log_statuses": statuses,
        "attempt_rows": attempts,
    }
