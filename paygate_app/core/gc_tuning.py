"""Garbage-collector settings for the long-running processes (app workers, task workers).

Measured in the benchmark (bench/README.md, round 4): with CPython's defaults the collector took
~11 % of an app process's CPU under load, and each full collection of a Reflex app process walked
its whole start-up heap (modules, the compiled component tree: 5-45 ms a time; 65-130 ms in a
task worker). Everything alive once start-up is done lives as long as the process, so it is
frozen out of the collector's reach, and the young generation is collected after more
allocations (requests make many short-lived containers, nearly all freed by reference counting).
"""

from __future__ import annotations

import gc
import os

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle per full (default: 10, 10)


_tuned_in: int | None = None  # the pid that tuned (a forked child has a heap of its own to freeze)


def tune_gc() -> bool:
    """Call once start-up is done: freeze what is alive now, then collect less often.
    Once per process (a second call, as when tests start the app again, does nothing); True if it tuned."""
    global _tuned_in
    if _tuned_in == os.getpid():
        return False
    _tuned_in = os.getpid()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    return True
