"""Where the benchmark keeps things: the repository, bench/ and its scratch folder (git-ignored)."""

from __future__ import annotations

from bench.stack import ROOT

BENCH = ROOT / "bench"
SCRATCH = BENCH / "results"

__all__ = ["BENCH", "ROOT", "SCRATCH"]
