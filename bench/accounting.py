"""CPU per unit of work of each phase: utime+stime of the app, the workers and the PostgreSQL backends
of the run's database (bench/stack.py reads them), with py-spy alongside when profiling; and the busy
CPU time of the whole machine (load generator, receiver, Redis, PostgreSQL's own processes and the
kernel included), which is what a phase's throughput is bound by on these 2 cores."""

from __future__ import annotations

import os

import psycopg

from bench import stack as st
from bench.profiler import Profiler


def add_cpu(phase: dict, before: dict, after: dict, units: int) -> None:
    """CPU seconds of app, workers and PostgreSQL backends in the phase, and per unit of work in ms:
    a cost measure that holds up when other load shares the machine."""
    used = st.cpu_used(before, after)
    phase["cpu_s"] = used
    phase["cpu_ms_per_unit"] = {k: round(1000 * v / units, 3) if units else None for k, v in used.items()}


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle (nor waiting for I/O) since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:8]]  # user nice system idle iowait irq softirq
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def wal_position(database_url: str) -> int | None:
    """The server's WAL insert position in bytes (PostgreSQL only): what a phase wrote to the WAL."""
    if not database_url.startswith("postgresql"):
        return None
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()
    return int(row[0]) if row else None


def _lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


class Meter:
    """Brackets one phase at a time: a CPU snapshot before and after, and the profiler, if any, between."""

    def __init__(self, stack: st.Stack, database_url: str, profiler: Profiler | None = None) -> None:
        self.stack = stack
        self.database_url = database_url
        self.profiler = profiler
        self.before: dict[str, dict[int, float]] = {}
        self.machine_before = 0.0
        self.wal_before: int | None = None

    def start(self, phase: str, profile_s: float) -> None:
        if self.profiler:
            self.profiler.start(phase, profile_s)
        self.wal_before = wal_position(self.database_url)
        self.before = st.cpu_by_pid(self.stack, self.database_url)
        self.machine_before = machine_busy_seconds()  # last, so the snapshots' own work is not counted

    def stop(self, result: dict, units: int) -> None:
        """Adds the phase's CPU (`cpu_s`, `cpu_ms_per_unit`) to its result."""
        machine = machine_busy_seconds() - self.machine_before
        add_cpu(result, self.before, st.cpu_by_pid(self.stack, self.database_url), units)
        result["machine_cpu_s"] = round(machine, 2)
        result["machine_cpu_ms_per_unit"] = round(1000 * machine / units, 3) if units else None
        wal_after = wal_position(self.database_url)
        if self.wal_before is not None and wal_after is not None and units:
            result["wal_bytes_per_unit"] = round((wal_after - self.wal_before) / units)
            result["wal_lsn_range"] = [_lsn(self.wal_before), _lsn(wal_after)]  # for pg_waldump -s/-e
        if self.profiler:
            self.profiler.stop()
