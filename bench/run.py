"""Paygate benchmark: `python -m bench.run` (`make bench`) prints a table and writes bench/results.json.

Systems under test (each started fresh on 127.0.0.1, empty database):
  pg-redis-reflex  the production topology: `reflex run --env prod --single-port` (GRANIAN_WORKERS=2,
                   Reflex state on Redis) + 2 `taskiq worker` processes, PostgreSQL, Redis
  pg-redis-api     the same with the API-only Granian server (api.asgi:app, 2 workers) instead of Reflex
  sqlite-reflex    the embedded default: Reflex prod, SQLite, in-process queue (one process)

Per system: create-order and create-payment (wrk, 64 connections), end-to-end UPI payments with
signed webhooks, webhook fan-out, peak RSS; once per run: pgbench's 4-write ceiling.
See bench/README.md for the method.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import psycopg

from bench import stack as st

ROOT = st.ROOT
BENCH = ROOT / "bench"
SCRATCH = BENCH / "results"
MERCHANT_ID = "550e8400-e29b-41d4-a716-446655440000"
WEBHOOK_SECRET = "whsec_test_abc123"
STACKS = ("pg-redis-reflex", "pg-redis-api", "sqlite-reflex")
TARGETS = {
    "orders_rps": 3000,
    "orders_p99_ms": 60,
    "e2e_pps": 1000,
    "e2e_p99_s": 2.0,
    "fanout_dps": 1500,
    "rss_mb": 300,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- databases (sync, from the benchmark process) ----------------------------------------------


class DB:
    """Tiny sync access to the stack's database for setup and checks."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = url.startswith("postgresql")

    def _conn(self):
        if self.pg:
            return psycopg.connect(self.url, autocommit=True)
        conn = sqlite3.connect(self.url.split("sqlite:///", 1)[1], timeout=60, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def _exec(self, conn, sql: str, params: tuple):
        return conn.execute(self._sql(sql), params) if params else conn.execute(self._sql(sql))

    def scalar(self, sql: str, params: tuple = ()):
        with self._conn() as conn:
            row = self._exec(conn, sql, params).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._conn() as conn:
            return list(self._exec(conn, sql, params).fetchall())

    def execute(self, sql: str, params: tuple = ()) -> None:
        conn = self._conn()
        try:
            self._exec(conn, sql, params)
        finally:
            conn.close()

    def ts(self, value: datetime):
        return value if self.pg else value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def insert_many(self, sql: str, rows: list[tuple]) -> None:
        conn = self._conn()
        try:
            if self.pg:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(self._sql(sql), rows)
            else:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(sql, rows)
                conn.execute("COMMIT")
        finally:
            conn.close()

    def insert_orders(self, prefix: str, count: int) -> None:
        now = self.ts(datetime.now(UTC))
        rows = [(f"{prefix}{i:015d}", MERCHANT_ID, 50000, now, now) for i in range(count)]
        for i in range(0, count, 20000):
            self.insert_many(
                "INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at)"
                " VALUES (?, ?, ?, 'INR', 'bench', '{}', 'created', ?, ?)",
                rows[i : i + 20000],
            )


# --- load generators ----------------------------------------------------------------------------


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


# --- the receiver -------------------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.port = st.free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.receiver", "--port", str(self.port), "--secret", WEBHOOK_SECRET],
            cwd=ROOT,
            stdout=(SCRATCH / "receiver.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stats(self) -> dict:
        return self.http.get("/stats").json()

    def times(self, event: str) -> dict[str, float]:
        return self.http.get("/times", params={"event": event}).json()

    def ids(self) -> set[str]:
        return set(self.http.get("/ids").json())

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- phases -------------------------------------------------------------------------------------


def wait_until(check, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def phase_payments_drain(db: DB, timeout: float) -> dict:
    """After the create-payment run: every payment settled by the workers (none left pending)."""
    started = time.monotonic()
    pending = db.scalar("SELECT COUNT(*) FROM payments WHERE status = 'pending'")
    done = wait_until(lambda: db.scalar("SELECT COUNT(*) FROM payments WHERE status = 'pending'") == 0, timeout, 0.5)
    return {"pending_at_end_of_run": pending, "drain_s": round(time.monotonic() - started, 2), "drained": bool(done)}


def phase_e2e(stack: st.Stack, db: DB, receiver: Receiver, n: int, timeout: float) -> dict:
    """n UPI payments at 64 concurrency → every one final and its payment.success webhook received."""
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
            "order_e",
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

    def all_delivered():
        got = receiver.times("payment.success")
        return got if all(i in got for i in ids) else None

    delivered = wait_until(all_delivered, timeout, 0.1) or receiver.times("payment.success")
    ok_ids = [i for i in ids if i in delivered]
    statuses = dict(db.rows("SELECT status, COUNT(*) FROM payments WHERE order_id LIKE 'order_e%' GROUP BY status"))

    # every event of these payments delivered once: created, pending, success
    def logs_settled():
        return db.scalar("SELECT COUNT(*) FROM webhook_logs WHERE status = 'pending'") == 0

    wait_until(logs_settled, 60, 0.2)
    logs = dict(
        db.rows(
            "SELECT status, COUNT(*) FROM webhook_logs WHERE payment_id IN "
            "(SELECT id FROM payments WHERE order_id LIKE 'order_e%') GROUP BY status"
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
                {"event": "webhook.test", "timestamp": stamp, "data": {"message": "fan-out", "n": k}}
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

    def all_in():
        got = receiver.times("webhook.test")
        return got if wanted.issubset(got) else None

    got = wait_until(all_in, timeout, 0.1) or receiver.times("webhook.test")
    received = wanted & set(got)
    last = max((got[i] for i in received), default=time.time())
    after = receiver.stats()
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


def add_cpu(phase: dict, before: dict, after: dict, units: int) -> None:
    """CPU seconds of app, workers and PostgreSQL backends in the phase, and per unit of work in ms:
    a cost measure that holds up when other load shares the machine."""
    used = st.cpu_used(before, after)
    phase["cpu_s"] = used
    phase["cpu_ms_per_unit"] = {k: round(1000 * v / units, 3) if units else None for k, v in used.items()}


def run_stack(name: str, args, receiver: Receiver) -> dict:
    log_dir = SCRATCH / "logs" / name
    shutil.rmtree(log_dir, ignore_errors=True)
    if name.startswith("pg"):
        db_url, redis_url = st.create_pg_database(), st.REDIS_URL
        st.flush_redis(redis_url)
    else:
        path = SCRATCH / "embedded.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url, redis_url = f"sqlite:///{path}", None
    kind = "api" if name.endswith("-api") else "reflex"
    result: dict = {
        "kind": kind,
        "database": "postgresql" if redis_url else "sqlite",
        "queue": "redis + 2 taskiq worker processes" if redis_url else "in-process",
        "granian_workers": 2 if redis_url else 1,
    }
    stack = None
    db = DB(db_url)
    try:
        env0 = st.base_env(DATABASE_URL=db_url)
        st.prepare_database(env0)
        log(f"{name}: inserting {args.payment_orders} + {args.e2e} orders")
        db.insert_orders("order_p", args.payment_orders)
        db.insert_orders("order_e", args.e2e)
        db.execute("UPDATE merchants SET webhook_url = NULL WHERE id = ?", (MERCHANT_ID,))
        log(f"{name}: starting ({kind})")
        t0 = time.monotonic()
        stack = st.start_stack(
            name, kind, database_url=db_url, redis_url=redis_url, log_dir=log_dir, extra_env=args.extra_env
        )
        result["startup_s"] = round(time.monotonic() - t0, 1)
        result["load_at_start"] = loadavg()
        profiler = Profiler(args.profile, name, stack) if args.profile else None
        run_rate(stack.url, "orders", 2)  # warm-up: connections, prepared statements, caches
        log(f"{name}: create-order {args.duration}s")
        if profiler:
            profiler.start("orders", args.duration)
        cpu0 = st.cpu_by_pid(stack, db_url)
        result["create_order"] = run_rate(stack.url, "orders", args.duration)
        add_cpu(result["create_order"], cpu0, st.cpu_by_pid(stack, db_url), result["create_order"]["requests"])
        if profiler:
            profiler.stop()
        log(f"{name}: create-order {result['create_order']['rps']} req/s, p99 {result['create_order']['p99_ms']} ms")
        stack.check_alive()
        log(f"{name}: create-payment {args.duration}s")
        if profiler:
            profiler.start("payments", args.duration + 30)
        cpu0 = st.cpu_by_pid(stack, db_url)
        result["create_payment"] = run_rate(stack.url, "payments", args.duration)
        log(
            f"{name}: create-payment {result['create_payment']['rps']} req/s, "
            f"p99 {result['create_payment']['p99_ms']} ms; draining"
        )
        result["payments_drain"] = phase_payments_drain(db, args.timeout)
        # per payment: the API request and its settlement by the workers (no webhooks in this phase)
        add_cpu(result["create_payment"], cpu0, st.cpu_by_pid(stack, db_url), result["create_payment"]["requests"])
        if profiler:
            profiler.stop()
        stack.check_alive()
        db.execute("UPDATE merchants SET webhook_url = ? WHERE id = ?", (receiver.url, MERCHANT_ID))
        log(f"{name}: end to end, {args.e2e} payments")
        if profiler:
            profiler.start("e2e", 30)
        cpu0 = st.cpu_by_pid(stack, db_url)
        result["e2e"] = phase_e2e(stack, db, receiver, args.e2e, args.timeout)
        add_cpu(result["e2e"], cpu0, st.cpu_by_pid(stack, db_url), result["e2e"]["created_2xx"])
        if profiler:
            profiler.stop()
        log(
            f"{name}: e2e {result['e2e']['payments_per_s']} payments/s, "
            f"p99 {result['e2e']['create_to_webhook_p99_s']} s"
        )
        stack.check_alive()
        log(f"{name}: fan-out of {args.fanout} events")
        if profiler:
            profiler.start("fanout", 30)
        cpu0 = st.cpu_by_pid(stack, db_url)
        result["fanout"] = phase_fanout(stack, db, receiver, args.fanout, args.timeout)
        add_cpu(result["fanout"], cpu0, st.cpu_by_pid(stack, db_url), result["fanout"]["received"])
        if profiler:
            profiler.stop()
        log(f"{name}: fan-out {result['fanout']['deliveries_per_s']} deliveries/s, lost {result['fanout']['lost']}")
        stack.check_alive()
        result["rss"] = st.peak_rss(stack)
        result["load_at_end"] = loadavg()
    finally:
        if stack is not None:
            stack.stop()
        if redis_url:
            st.drop_pg_database(db_url)
    return result


class Profiler:
    """py-spy on every Python process of the stack for one phase (flamegraph-ready collapsed stacks)."""

    def __init__(self, out_dir: str, name: str, stack: st.Stack) -> None:
        self.dir = Path(out_dir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stack = stack
        self.procs: list[subprocess.Popen] = []

    def start(self, phase: str, seconds: float) -> None:
        spy = shutil.which("py-spy") or str(st.BIN / "py-spy")
        for role, pids in st.python_pids(self.stack).items():
            for pid in pids:
                out = self.dir / f"{phase}-{role}-{pid}.txt"
                self.procs.append(
                    subprocess.Popen(
                        [
                            spy,
                            "record",
                            "--pid",
                            str(pid),
                            "--duration",
                            str(int(seconds)),
                            "--rate",
                            "200",
                            "--format",
                            "raw",
                            "--nonblocking",
                            "--output",
                            str(out),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(2)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


# --- pgbench ------------------------------------------------------------------------------------

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


# --- report -------------------------------------------------------------------------------------


def _fmt(v, spec: str = ".0f") -> str:
    return "-" if v is None else format(v, spec)


def table(results: dict) -> str:
    lines = []
    pg = results.get("pgbench", {})
    lines.append(f"pgbench 4-write transaction, 64 clients: {_fmt(pg.get('tps'))} TPS")
    head = (
        f"{'system':<17} {'order rps':>9} {'p50':>6} {'p99':>6} {'pay rps':>8} {'p50':>6} {'p99':>6} "
        f"{'e2e pay/s':>9} {'wh p50':>7} {'wh p99':>7} {'fanout/s':>8} {'lost':>4} {'app MB':>6} {'wrk MB':>6}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for name, r in results["stacks"].items():
        if "error" in r:
            lines.append(f"{name:<17} ERROR {r['error'][:120]}")
            continue
        o, p, e, f = r["create_order"], r["create_payment"], r["e2e"], r["fanout"]
        app_mb = max((x["peak_rss_mb"] for x in r["rss"] if x["role"] == "app"), default=None)
        wrk_mb = max((x["peak_rss_mb"] for x in r["rss"] if x["role"] != "app"), default=None)
        lines.append(
            f"{name:<17} {o['rps']:>9.0f} {o['p50_ms']:>6.1f} {o['p99_ms']:>6.1f} {p['rps']:>8.0f} "
            f"{p['p50_ms']:>6.1f} {p['p99_ms']:>6.1f} {e['payments_per_s']:>9.0f} "
            f"{e['create_to_webhook_p50_s']:>7.2f} {e['create_to_webhook_p99_s']:>7.2f} "
            f"{f['deliveries_per_s']:>8.0f} {f['lost']:>4} {_fmt(app_mb):>6} {_fmt(wrk_mb):>6}"
        )
        bad = o["non2xx"] + p["non2xx"] + e["create_non2xx"] + e["bad_signatures"] + f["bad_signatures"]
        if bad or not e["all_final_and_delivered"] or f["lost"]:
            lines.append(
                f"{'':<17} !! non-2xx/bad signatures: {bad}, e2e complete: {e['all_final_and_delivered']},"
                f" fan-out lost: {f['lost']}"
            )
    lines.append("")
    lines.append("CPU ms per unit of work (app / workers / PostgreSQL backends); unit = request, payment, delivery")
    for name, r in results["stacks"].items():
        if "error" in r:
            continue
        cells = []
        for phase in ("create_order", "create_payment", "e2e", "fanout"):
            c = r[phase].get("cpu_ms_per_unit", {})
            cells.append(f"{phase} {c.get('app', 0):.2f}/{c.get('workers', 0):.2f}/{c.get('postgres', 0):.2f}")
        lines.append(f"{name:<17} " + "  ".join(cells))
    lines.append(
        "latencies in ms (order/payment) and s (create→payment.success webhook); MB = peak RSS of the"
        " largest app / worker process"
    )
    lines.append(
        f"targets: create-order ≥ {TARGETS['orders_rps']} req/s, p99 ≤ {TARGETS['orders_p99_ms']} ms; "
        f"e2e ≥ {TARGETS['e2e_pps']}/s, p99 ≤ {TARGETS['e2e_p99_s']} s; fan-out ≥ {TARGETS['fanout_dps']}/s;"
        f" RSS ≤ {TARGETS['rss_mb']} MB"
    )
    return "\n".join(lines)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="5 s runs, 500 payments, 1,000 events (~4 min)")
    parser.add_argument("--stacks", default=",".join(STACKS), help=f"comma-separated subset of {', '.join(STACKS)}")
    parser.add_argument("--duration", type=float, help="seconds per req/s run (default 20, quick 5)")
    parser.add_argument("--e2e", type=int, help="end-to-end payments (default 2000, quick 500)")
    parser.add_argument("--fanout", type=int, help="fan-out events (default 5000, quick 1000)")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--profile", metavar="DIR", help="record py-spy raw stacks of every process per phase")
    parser.add_argument("--out", default=str(BENCH / "results.json"))
    parser.add_argument("--env", action="append", default=[], metavar="K=V", help="extra app environment")
    args = parser.parse_args(argv)
    args.duration = args.duration or (5 if args.quick else 20)
    args.e2e = args.e2e or (500 if args.quick else 2000)
    args.fanout = args.fanout or (1000 if args.quick else 5000)
    args.payment_orders = int(args.duration * 8000) + 10000
    args.timeout = 180
    args.extra_env = dict(kv.split("=", 1) for kv in args.env)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    names = [s for s in args.stacks.split(",") if s]
    for name in names:
        if name not in STACKS:
            parser.error(f"unknown stack {name}")

    results: dict = {
        "meta": {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": git_commit(),
            "quick": args.quick,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": loadavg(),
            "load_generator": "wrk (C, 2 threads, Lua scripts in bench/wrk/)"
            if have_wrk()
            else "bench/loadgen.py (asyncio raw sockets)",
            "e2e_generator": "bench/loadgen.py (asyncio raw sockets + uvloop, own process, 64 connections)",
            "duration_s": args.duration,
            "connections": 64,
            "app_env": {
                "TEST_MODE": "true",
                "TEST_PROCESSING_DELAY": "0",
                "RATE_LIMIT_ENABLED": "false",
                **args.extra_env,
            },
        },
        "stacks": {},
    }
    log(f"load average {results['meta']['load_before']} on {os.cpu_count()} CPUs")
    if not args.no_pgbench:
        log("pgbench: 4-write transaction, 64 clients")
        results["pgbench"] = run_pgbench(5 if args.quick else 15)
        log(f"pgbench: {results['pgbench'].get('tps')} TPS")
    receiver = Receiver()
    try:
        for name in names:
            try:
                results["stacks"][name] = run_stack(name, args, receiver)
            except Exception as exc:
                log(f"{name} failed: {exc!r}")
                results["stacks"][name] = {"error": repr(exc)}
    finally:
        receiver.close()
    results["meta"]["load_after"] = loadavg()
    results["meta"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    Path(args.out).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    print()
    print(table(results))
    print(f"\nwritten to {args.out}")
    return 0 if all("error" not in r for r in results["stacks"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
