"""``syncd_gc_pause_seconds``: every garbage collection of the process, timed by generation."""

from __future__ import annotations

import gc

from syncd import metrics


def _sample(name: str, generation: int) -> float:
    value = metrics.REGISTRY.get_sample_value(
        f"syncd_gc_pause_seconds_{name}", {"generation": str(generation)}
    )
    return value or 0.0


def test_collections_are_timed_by_generation_once_watched() -> None:
    callbacks = list(gc.callbacks)
    gc.disable()  # only the collections asked for below
    try:
        metrics.watch_gc()
        metrics.watch_gc()  # a second call adds nothing
        assert len(gc.callbacks) == len(callbacks) + 1
        full, spent, young = _sample("count", 2), _sample("sum", 2), _sample("count", 0)
        gc.collect()
        gc.collect(0)
        assert _sample("count", 2) == full + 1
        assert _sample("sum", 2) > spent
        assert _sample("count", 0) == young + 1
    finally:
        gc.callbacks[:] = callbacks
        gc.enable()
