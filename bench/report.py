"""What a run prints and writes: progress lines, the results table, and the JSON file."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

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
    lines.append(
        "CPU ms per unit of work (app / workers / PostgreSQL backends | whole machine);"
        " unit = request, payment, delivery"
    )
    for name, r in results["stacks"].items():
        if "error" in r:
            continue
        cells = []
        for phase in ("create_order", "create_payment", "e2e", "fanout"):
            c = r[phase].get("cpu_ms_per_unit", {})
            machine = r[phase].get("machine_cpu_ms_per_unit") or 0
            cells.append(
                f"{phase} {c.get('app', 0):.2f}/{c.get('workers', 0):.2f}/{c.get('postgres', 0):.2f}|{machine:.2f}"
            )
        lines.append(f"{name:<17} " + "  ".join(cells))
    for name, r in results["stacks"].items():
        rounds = (r.get("e2e") or {}).get("rounds") or []
        if len(rounds) > 1:
            shown = ", ".join(f"{x['payments_per_s']:.0f}/s (p99 {x['create_to_webhook_p99_s']:.2f} s)" for x in rounds)
            lines.append(f"{name:<17} e2e rounds: {shown}; the table shows the median")
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


def write(results: dict, out: str) -> None:
    """results as indented JSON to `out`, then the table on stdout."""
    Path(out).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    print()
    print(table(results))
    print(f"\nwritten to {out}")
