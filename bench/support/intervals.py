"""How far a rate measured on a few dozen images may be from the same engine's rate on other images of
the same kind: the 95 % Wilson interval of the rate itself, and the range a second sample of a given size
(the held-out half) is expected to show. A few lines of arithmetic, so no statistics package is added."""

from __future__ import annotations

import math

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a rate of `successes` in `n` (valid near 0 and 1, unlike p +- z*se)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def expected_range(successes: int, n: int, other_n: int, z: float = Z95) -> tuple[float, float]:
    """Where the rate on `other_n` new images of the same kind should fall (95 %), if nothing else differs:
    the uncertainty of the measured rate and the new sample's own, added (normal approximation, the
    measured rate's Wilson centre, clipped to 0..1)."""
    if n == 0 or other_n == 0:
        return 0.0, 1.0
    low, high = wilson(successes, n, z)
    p = (low + high) / 2
    half = z * math.sqrt(p * (1 - p) * (1 / n + 1 / other_n))
    return max(0.0, p - half), min(1.0, p + half)
