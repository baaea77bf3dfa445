"""CPU per unit of work of each phase: utime+stime of the app, the workers and the PostgreSQL backends
of the run's database (bench/stack.py reads them), with py-spy alongside when profiling."""

from __future__ import annotations

from bench import stack as st
from bench.profiler import Profiler


def add_cpu(phase: dict, before: dict, after: dict, units: int) -> None:
    """CPU seconds of app, workers and PostgreSQL backends in the phase, and per unit of work in ms:
    a cost measure that holds up when other load shares the machine."""
    used = st.cpu_used(before, after)
    phase["cpu_s"] = used
    phase["cpu_ms_per_unit"] = {k: round(1000 * v / units, 3) if units else None for k, v in used.items()}


class Meter:
    """Brackets one phase at a time: a CPU snapshot before and after, and the profiler, if any, between."""

    def __init__(self, stack: st.Stack, database_url: str, profiler: Profiler | None = None) -> None:
        self.stack = stack
        self.database_url = database_url
        self.profiler = profiler
        self.before: dict[str, dict[int, float]] = {}

    def start(self, phase: str, profile_s: float) -> None:
        if self.profiler:
            self.profiler.start(phase, profile_s)
        self.before = st.cpu_by_pid(self.stack, self.database_url)

    def stop(self, result: dict, units: int) -> None:
        """Adds the phase's CPU (`cpu_s`, `cpu_ms_per_unit`) to its result."""
        add_cpu(result, self.before, st.cpu_by_pid(self.stack, self.database_url), units)
        if self.profiler:
            self.profiler.stop()
