"""CPU per unit pooled over several bench runs of two commits (medians per role), for a noisy host.

python -m bench.pooled --before A.json [B.json ...] --after C.json [D.json ...] [--stacks pg-redis-reflex,pg-redis-api]

Every e2e round counts on its own (n = rounds x runs x stacks); the other phases once per run.
The create-order row is the control when the change did not touch creating orders: its drift
between the two sides is the host's, not the code's.
"""

from __future__ import annotations

import argparse
import statistics

import orjson

PHASES = ("create_order", "create_payment", "e2e", "fanout")
ROLES = ("app", "workers", "postgres")


def samples(files: list[str], stacks: list[str]) -> dict[str, dict[str, list[float]]]:
    out: dict[str, dict[str, list[float]]] = {p: {r: [] for r in (*ROLES, "wal")} for p in PHASES}
    for name in files:
        with open(name, "rb") as f:
            data = orjson.loads(f.read())
        for stack in stacks:
            s = data["stacks"].get(stack)
            if not s:
                continue
            for phase in PHASES:
                p = s.get(phase) or {}
                units = p.get("rounds") if phase == "e2e" and p.get("rounds") else [p]
                for unit in units:
                    for role, v in (unit.get("cpu_ms_per_unit") or {}).items():
                        out[phase][role].append(v)
                if p.get("wal_bytes_per_unit"):
                    out[phase]["wal"].append(p["wal_bytes_per_unit"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", nargs="+", required=True)
    ap.add_argument("--after", nargs="+", required=True)
    ap.add_argument("--stacks", default="pg-redis-reflex,pg-redis-api")
    a = ap.parse_args()
    stacks = a.stacks.split(",")
    b, c = samples(a.before, stacks), samples(a.after, stacks)
    print("| CPU ms per unit, median (n before / after) | before | after | change |")
    print("| --- | --- | --- | --- |")
    for phase in PHASES:
        total_b = total_c = 0.0
        for role in (*ROLES, "wal"):
            xb, xc = b[phase][role], c[phase][role]
            if not xb or not xc:
                continue
            mb, mc = statistics.median(xb), statistics.median(xc)
            if role != "wal":
                total_b, total_c = total_b + mb, total_c + mc
            unit = "bytes" if role == "wal" else "ms"
            change = f"{100 * (mc / mb - 1):+.0f} %" if mb else "-"
            print(f"| {phase}: {role} {unit} (n {len(xb)} / {len(xc)}) | {mb:.3g} | {mc:.3g} | {change} |")
        if total_b:
            change = f"{100 * (total_c / total_b - 1):+.0f} %"
            print(f"| **{phase}: sum of medians** | {total_b:.2f} | {total_c:.2f} | {change} |")


if __name__ == "__main__":
    main()
