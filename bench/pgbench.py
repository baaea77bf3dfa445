"""pgbench's ceiling for Paygate's write pattern: one transaction of 4 writes (insert payment, insert
event, update payment, insert log; bench/pgbench_4writes.sql), 64 clients, on its own database."""

from __future__ import annotations

import re
import shutil
import subprocess

import psycopg

from bench import stack as st
from bench.paths import BENCH

PGBENCH_SCHEMA = """
DROP TABLE IF EXISTS pgb_log, pgb_event, pgb_payment;
CREATE TABLE pgb_payment (id bigserial PRIMARY KEY, order_id varchar(32) NOT NULL, merchant_id varchar(36) NOT NULL,
  amount bigint NOT NULL, method varchar(8) NOT NULL, status varchar(16) NOT NULL, vpa varchar(255),
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ON pgb_payment (merchant_id, created_at);
CREATE INDEX ON pgb_payment (status);
CREATE TABLE pgb_event (id bigserial PRIMARY KEY, payment_id bigint NOT NULL, event varchar(64) NOT NULL,
  payload text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE pgb_log (id bigserial PRIMARY KEY, payment_id bigint NOT NULL, event varchar(64) NOT NULL,
  status varchar(16) NOT NULL, next_retry_at timestamptz, created_at timestamptz NOT NULL);
CREATE INDEX ON pgb_log (next_retry_at) WHERE status = 'pending';
"""

PGBENCH_SCRIPT = BENCH / "pgbench_4writes.sql"


def run_pgbench(duration: float) -> dict:
    if not shutil.which("pgbench"):
        return {"skipped": "pgbench not installed"}
    url = st.create_pg_database()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(PGBENCH_SCHEMA)
            settings = {
                k: conn.execute(f"SHOW {k}").fetchone()[0]
                for k in ("server_version", "shared_buffers", "synchronous_commit", "fsync", "max_connections")
            }
        script = PGBENCH_SCRIPT
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-M",
                "prepared",
                "-c",
                "64",
                "-j",
                "2",
                "-T",
                str(int(duration)),
                "-f",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 120,
        )
        tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
        lat = re.search(r"latency average = ([\d.]+) ms", out.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
        if not tps:
            return {"error": (out.stdout + out.stderr)[-2000:]}
        return {
            "clients": 64,
            "threads": 2,
            "duration_s": duration,
            "tps": float(tps.group(1)),
            "latency_avg_ms": float(lat.group(1)) if lat else None,
            "failed": int(failed.group(1)) if failed else 0,
            "transaction": "insert payment, insert event, update payment, insert log",
            "server": settings,
        }
    finally:
        st.drop_pg_database(url)
