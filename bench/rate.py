"""create-order and create-payment: fixed-duration closed-loop runs (wrk with a Lua script, else
bench/loadgen.py), and the wait for the workers to settle what create-payment left pending."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import orjson

from bench.db import DB
from bench.paths import BENCH, ROOT, SCRATCH
from bench.poll import wait_until
from bench.report import log


def have_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk not found; installing it with apt-get")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return bool(shutil.which("wrk"))


def run_rate(url: str, kind: str, duration: float, connections: int = 64, threads: int = 2) -> dict:
    """Fixed-duration closed-loop run: wrk with a Lua script, else the Python load generator."""
    if have_wrk():
        script = BENCH / "wrk" / f"{kind}.lua"
        cmd = [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            "--",
            str(threads),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=duration + 60)
        line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk failed: {out.stdout[-2000:]} {out.stderr[-2000:]}")
        raw = json.loads(line[len("WRKJSON ") :])
        secs = raw["duration_us"] / 1e6
        return {
            "tool": "wrk",
            "connections": connections,
            "threads": threads,
            "requests": raw["requests"],
            "duration_s": round(secs, 2),
            "rps": round(raw["requests"] / secs, 1),
            "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000,
            "ok2xx": raw["ok2xx"],
            "non2xx": raw["non2xx"],
            "first_bad_status": raw["first_bad_status"],
            "socket_errors": raw["socket_errors"],
        }
    out_file = SCRATCH / f"rate-{kind}-{uuid.uuid4().hex[:6]}.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            "rate",
            "--url",
            url,
            "--kind",
            kind,
            "--prefix",
            "order_p",
            "--duration",
            str(duration),
            "--concurrency",
            str(connections),
            "--out",
            str(out_file),
        ],
        cwd=ROOT,
        check=True,
        timeout=duration + 120,
    )
    return orjson.loads(out_file.read_bytes())


def phase_payments_drain(db: DB, timeout: float) -> dict:
    """After the create-payment run: every payment settled by the workers (none left pending)."""
    started = time.monotonic()
    pending = db.scalar("SELECT COUNT(*) FROM payments WHERE status = 'pending'")
    done = wait_until(lambda: db.scalar("SELECT COUNT(*) FROM payments WHERE status = 'pending'") == 0, timeout, 0.5)
    return {"pending_at_end_of_run": pending, "drain_s": round(time.monotonic() - started, 2), "drained": bool(done)}
