"""Timing two or more ways of computing the same thing in one run, alternating, so drift hits all alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np


def alternating_medians(
    runners: Mapping[str, Callable[[], Any]], runs: int
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Median milliseconds per runner over `runs` rounds (the order reversed every other round), after one
    warm-up call each, whose outputs are returned as arrays for comparing."""
    outputs = {name: np.asarray(run()) for name, run in runners.items()}
    times: dict[str, list[float]] = {name: [] for name in runners}
    order = list(runners)
    for i in range(runs):
        for name in order if i % 2 else order[::-1]:
            start = time.perf_counter()
            runners[name]()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}, outputs
