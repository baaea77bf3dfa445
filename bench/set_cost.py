"""CPU per payment of the create and settle set functions, client and PostgreSQL, in isolation.

    .venv/bin/python -m bench.set_cost [-n 6000] [--sizes 1,8,32] [--repeat 3] [--kept]

A private database (`paygate_setcost`, dropped first) on the local PostgreSQL gets the schema,
the seeded merchant with a webhook URL and fresh orders. Each (set size, run) creates N
payments with `core.payment_create.create_set` in sets of that size, then settles them with
`core.payment_settle.settle_set` (half approved), sequentially on one event loop, as the app and
workers call them under load. Reported per payment: this process's CPU (`time.process_time()`)
and the PostgreSQL backends' CPU (utime + stime from /proc of each backend of the pool), and the
wall time per set. The orders are inserted directly, so each create set reads its orders' amount
and currency (`orders.order_values`) as for an order created by another process; `--kept` has
this process hold them first, as for an order it created itself. (Session 7 measured psycopg's
pipeline mode here against a plain transaction and against one statement per set: bench/README.md.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.paths import ROOT

DB_NAME = "paygate_setcost"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
MERCHANT_ID = "550e8400-e29b-41d4-a716-446655440000"


def prepare(total_orders: int) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": URL}
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([py, "-m", "paygate_app.core.cli", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("UPDATE merchants SET webhook_url = 'http://127.0.0.1:9/hook' WHERE id = %s", (MERCHANT_ID,))
        now = datetime.now(UTC)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO orders (id, merchant_id, amount, currency, receipt, notes, status, created_at, updated_at)"
                " VALUES (%s, %s, 50000, 'INR', 'bench', '{}', 'created', %s, %s)",
                [(f"order_sc{i:015d}", MERCHANT_ID, now, now) for i in range(total_orders)],
            )


def backend_cpu(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / tick


def backends() -> list[int]:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (DB_NAME,))]


async def run_one(size: int, n: int, offset: int, kept: bool) -> dict:
    from paygate_app.core import orders
    from paygate_app.core.db import get_db
    from paygate_app.core.payment_create import NewPayment, create_set
    from paygate_app.core.payment_settle import Settlement, settle_set

    db = await get_db()
    now = datetime.now(UTC)
    items = [
        NewPayment(payment_id=f"pay_sc{offset + i:015d}", order_id=f"order_sc{offset + i:015d}",
                   merchant_id=MERCHANT_ID, method="upi", force_fail=False, vpa="bench@upi", card_network=None,
                   card_last4=None, due=now, at=now, held_until=now + timedelta(seconds=30))
        for i in range(n)
    ]  # fmt: skip
    await create_set(items[:1])  # connection up, statements prepared below by use
    if kept:
        await orders.order_values([i.order_id for i in items])
    pids = backends()
    sets = [items[i : i + size] for i in range(1, n, size)]
    cpu0, pg0, t0 = time.process_time(), backend_cpu(pids), time.perf_counter()
    for s in sets:
        await create_set(s)
    cpu1, pg1, t1 = time.process_time(), backend_cpu(pids), time.perf_counter()
    from paygate_app.core.payment_rows import COLUMNS

    read = {r["id"]: r for r in await db.fetch_all(f"SELECT {COLUMNS} FROM payments WHERE id = ANY(:ids::varchar[])",
                                                   {"ids": [i.payment_id for i in items[1:]]})}  # fmt: skip
    settles = [
        Settlement(payment_id=i.payment_id, order_id=i.order_id, approved=k % 2 == 0, error_code="BAD",
                   error_description="declined", at=now, held_until=now + timedelta(seconds=30),
                   row=read[i.payment_id])
        for k, i in enumerate(items[1:])
    ]  # fmt: skip
    ssets = [settles[i : i + size] for i in range(0, len(settles), size)]
    pids = backends()
    cpu2, pg2, t2 = time.process_time(), backend_cpu(pids), time.perf_counter()
    for s in ssets:
        await settle_set(s)
    cpu3, pg3, t3 = time.process_time(), backend_cpu(pids), time.perf_counter()
    m = n - 1
    return {
        "create_app_us": (cpu1 - cpu0) / m * 1e6,
        "create_pg_us": (pg1 - pg0) / m * 1e6,
        "create_wall_ms_per_set": (t1 - t0) / len(sets) * 1e3,
        "settle_app_us": (cpu3 - cpu2) / m * 1e6,
        "settle_pg_us": (pg3 - pg2) / m * 1e6,
        "settle_wall_ms_per_set": (t3 - t2) / len(ssets) * 1e3,
    }


def child(size: int, n: int, offset: int, kept: bool) -> None:
    import json

    from paygate_app.core.gc_tuning import tune_gc

    tune_gc()
    print(json.dumps(asyncio.run(run_one(size, n, offset, kept))))


def main() -> None:
    import json

    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=6000)
    p.add_argument("--sizes", default="1,8,32")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--kept", action="store_true", help="the orders' values are held by the process")
    p.add_argument("--child", nargs=3)
    a = p.parse_args()
    if a.child:
        child(int(a.child[0]), int(a.child[1]), int(a.child[2]), a.kept)
        return
    sizes = [int(s) for s in a.sizes.split(",")]
    runs = [(s, r) for r in range(a.repeat) for s in sizes]
    prepare(a.n * len(runs))
    results: dict[int, list[dict]] = {}
    env = {**os.environ, "DATABASE_URL": URL, "PAYGATE_ENV": "development"}
    for k, (s, _) in enumerate(runs):
        kept = ["--kept"] if a.kept else []
        out = subprocess.run([sys.executable, "-m", "bench.set_cost", "--child", str(s), str(a.n), str(k * a.n), *kept],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # fmt: skip
        results.setdefault(s, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
    keys = list(next(iter(results.values()))[0])
    print("size  " + "  ".join(f"{k:>22}" for k in keys))
    for s, rs in results.items():
        med = [statistics.median(r[k] for r in rs) for k in keys]
        print(f"{s:>4}  " + "  ".join(f"{x:>22.1f}" for x in med))


if __name__ == "__main__":
    main()
