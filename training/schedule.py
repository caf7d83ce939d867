"""Learning-rate schedule shared by the training scripts: linear warm-up, then cosine decay to a floor."""

from __future__ import annotations

import math


def warmup_cosine(step: int, total: int, *, warm: int = 100, floor: float = 0.0) -> float:
    """Factor on the peak learning rate at `step` of `total`: rises linearly over `warm` steps, then falls
    along a cosine from 1 to `floor`, where it stays after `total` steps."""
    if step < warm:
        return (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
