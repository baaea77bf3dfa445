"""py-spy on every Python process of a stack, one phase at a time (`--profile DIR`); read the output
with bench/profile_report.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench import stack as st


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
