"""bench/support/intervals.py: the uncertainty printed beside the validation figures, so a reader can tell
how far the held-out figures may fall from them by chance alone."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.conftest import load_bench


@pytest.fixture(scope="module")
def intervals() -> ModuleType:
    return load_bench("support/intervals.py")


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook values of the Wilson interval at 95 %
        (0, 10, 0.0, 0.2775),  # none right: the interval still has width (p +- z*se would be 0..0)
        (10, 10, 0.7225, 1.0),
        (81, 100, 0.7222, 0.8749),
    ],
)
def test_wilson_interval_matches_published_values(
    intervals: ModuleType, successes: int, n: int, low: float, high: float
) -> None:
    got = intervals.wilson(successes, n)
    assert got == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_a_second_sample_spreads_wider_than_the_rate_itself(intervals: ModuleType) -> None:
    rate_low, rate_high = intervals.wilson(53, 64)
    low, high = intervals.expected_range(53, 64, 111)
    assert low < rate_low and high > rate_high
    # more held-out images narrow the expected range towards the rate's own interval
    wide, narrow = intervals.expected_range(53, 64, 20), intervals.expected_range(53, 64, 10_000)
    assert wide[1] - wide[0] > high - low > narrow[1] - narrow[0]


def test_no_images_say_nothing(intervals: ModuleType) -> None:
    assert intervals.wilson(0, 0) == (0.0, 1.0)
    assert intervals.expected_range(0, 0, 100) == (0.0, 1.0)
