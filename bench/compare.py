"""Markdown table of one or two bench result files (before → after).

python -m bench.compare bench/results.json                      # one run
python -m bench.compare before.json bench/results.json          # before → after
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

ROWS = [
    ("create-order req/s", "create_order", "rps", "{:.0f}"),
    ("create-order p50 ms", "create_order", "p50_ms", "{:.1f}"),
    ("create-order p99 ms", "create_order", "p99_ms", "{:.1f}"),
    ("create-payment req/s", "create_payment", "rps", "{:.0f}"),
    ("create-payment p50 ms", "create_payment", "p50_ms", "{:.1f}"),
    ("create-payment p99 ms", "create_payment", "p99_ms", "{:.1f}"),
    ("e2e payments/s", "e2e", "payments_per_s", "{:.0f}"),
    ("e2e create→webhook p50 s", "e2e", "create_to_webhook_p50_s", "{:.2f}"),
    ("e2e create→webhook p99 s", "e2e", "create_to_webhook_p99_s", "{:.2f}"),
    ("fan-out deliveries/s", "fanout", "deliveries_per_s", "{:.0f}"),
    ("fan-out lost", "fanout", "lost", "{}"),
]
CPU_ROWS = [
    ("CPU ms/order (app+pg)", "create_order"),
    ("CPU ms/payment created+settled (app+workers+pg)", "create_payment"),
    ("CPU ms/payment e2e (app+workers+pg)", "e2e"),
    ("CPU ms/delivery fan-out (workers+pg)", "fanout"),
]


def _get(stack: dict, phase: str, key: str):
    return (stack.get(phase) or {}).get(key)


def _cpu(stack: dict, phase: str):
    c = (stack.get(phase) or {}).get("cpu_ms_per_unit")
    return sum(v for v in c.values() if v) if c else None


def _rss(stack: dict, role: str):
    rows = [r["peak_rss_mb"] for r in stack.get("rss", []) if (r["role"] == "app") == (role == "app")]
    return max(rows) if rows else None


def _cell(values: list, fmt: str) -> str:
    shown = ["–" if v is None else fmt.format(v) for v in values]
    return " → ".join(shown)


def table(runs: list[dict]) -> str:
    names = [n for n in runs[-1]["stacks"] if all("error" not in r["stacks"].get(n, {"error": 1}) for r in runs)]
    out = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, phase, key, fmt in ROWS:
        out.append(
            f"| {label} | "
            + " | ".join(_cell([_get(r["stacks"][n], phase, key) for r in runs], fmt) for n in names)
            + " |"
        )
    for label, phase in CPU_ROWS:
        out.append(
            f"| {label} | "
            + " | ".join(_cell([_cpu(r["stacks"][n], phase) for r in runs], "{:.2f}") for n in names)
            + " |"
        )
    out.append(
        "| CPU ms/payment e2e, whole machine (+ load generator, receiver, Redis, kernel) | "
        + " | ".join(
            _cell([_get(r["stacks"][n], "e2e", "machine_cpu_ms_per_unit") for r in runs], "{:.2f}") for n in names
        )
        + " |"
    )
    for label, role in (("peak RSS, largest app process MB", "app"), ("peak RSS, largest worker process MB", "w")):
        out.append(
            f"| {label} | " + " | ".join(_cell([_rss(r["stacks"][n], role) for r in runs], "{}") for n in names) + " |"
        )
    pg = [r.get("pgbench", {}).get("tps") for r in runs]
    loads = [r["meta"].get("load_before") for r in runs]
    probes = [r["meta"].get("cpu_probe_ms_before") for r in runs]
    out.append("")
    out.append(
        "pgbench 4-write ceiling, TPS: "
        + _cell(pg, "{:.0f}")
        + "; load average at start: "
        + " → ".join(str(x) for x in loads)
        + "; CPU probe ms at start (lower is faster): "
        + _cell(probes, "{}")
    )
    return "\n".join(out)


def main() -> None:
    runs = [orjson.loads(Path(p).read_bytes()) for p in sys.argv[1:]]
    print(table(runs))


if __name__ == "__main__":
    main()
