"""Shared helpers for the recognition tests (no dependency on ../shared data unless marked)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np

from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "openalpr"


def render_plate(state: str = "ca", text: str = "7ABC123", seed: int = 3) -> np.ndarray:
    """A clean colour plate (BGR) from the project's own synthetic renderer."""
    if importlib.util.find_spec("PIL") is None:
        skip_or_fail("the plate renderer needs pillow (a test dependency)")
    sys.path.insert(0, str(REPO / "training"))
    import render

    return np.asarray(render.render_color(random.Random(seed), state, text))


def in_scene(
    plate: np.ndarray, size: tuple[int, int] = (640, 480), at: tuple[int, int] = (220, 260)
) -> np.ndarray:
    """The plate pasted on a plain grey 'car' so a scene detector has something to find."""
    scene = np.full((size[1], size[0], 3), 90, np.uint8)
    scene[at[1] - 60 : at[1] + 200, at[0] - 80 : at[0] + 340] = (200, 40, 40)  # a blue body
    small = plate[::2, ::2] if plate.shape[1] > 200 else plate
    h, w = small.shape[:2]
    scene[at[1] : at[1] + h, at[0] : at[0] + w] = small
    return scene
