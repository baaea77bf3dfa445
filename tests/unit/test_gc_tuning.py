"""tune_gc(): start-up objects frozen out of the collector, young collections less often, once per process."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from paygate_app.core import gc_tuning


@pytest.fixture
def restore_gc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    thresholds = gc.get_threshold()
    monkeypatch.setattr(gc_tuning, "_tuned_in", None)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_tune_gc_freezes_the_start_up_heap_and_raises_the_thresholds(restore_gc: None) -> None:
    gc.unfreeze()
    assert gc_tuning.tune_gc() is True
    assert gc.get_freeze_count() > 1000  # this process's modules and objects
    assert gc.get_threshold() == (gc_tuning.YOUNG_THRESHOLD, *gc_tuning.OLDER_THRESHOLDS)


def test_tune_gc_runs_once_per_process(restore_gc: None) -> None:
    assert gc_tuning.tune_gc() is True
    frozen = gc.get_freeze_count()
    keep = [[n] for n in range(100)]  # new containers a second call would freeze
    assert gc_tuning.tune_gc() is False
    assert gc.get_freeze_count() == frozen
    assert len(keep) == 100
