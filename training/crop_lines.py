"""Synthetic plate crops with their text lines marked, for fine-tuning the crop text detector.

A colour plate (`render.render_plate_lines`: the number's whole line, across a gap or an emblem, and the
state name and slogan lines) placed, warped, cropped and degraded exactly as the line reader's training
crops are (`line_cache.surround_and_warp`, `_photometric`), then scaled to the detector's input at the
reader's crop width (320 x 160). The label is the DB target: each line's quad shrunk by `SHRINK` (as DB's
training does) and filled; lines too small to matter are masked out of the loss. Stickers, bolts and
dealer-frame text are not lines: the reader wants none of them.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

from line_cache import _photometric, surround_and_warp  # noqa: E402
from render import STATES, plate_text, render_plate_lines  # noqa: E402

INPUT_W, INPUT_H = 320, 160
SHRINK = 0.4
"""DB's shrink ratio r: a line's label is its polygon moved inwards by area * (1 - r^2) / perimeter."""
MIN_LINE_PX = 4
Quad = npt.NDArray[np.float32]


@dataclass(frozen=True)
class CropSample:
    image: npt.NDArray[np.uint8]  # BGR, INPUT_H x INPUT_W
    lines: list[Quad]  # the number's line first
    target: npt.NDArray[np.float32]  # shrunk lines filled, INPUT_H x INPUT_W
    mask: npt.NDArray[np.float32]  # 0 where the loss ignores the pixel


def crop_sample(rng: random.Random) -> CropSample:
    state = rng.choice(STATES)
    text = plate_text(rng, state)
    rgb, boxes = render_plate_lines(rng, state, text)
    img, from_plate = surround_and_warp(rng, np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), np.uint8))
    img = _photometric(rng, img)
    if rng.random() < 0.2:  # infrared cameras send grey pictures
        img = np.asarray(cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR), np.uint8)
    h, w = img.shape[:2]
    to_input = np.diag([INPUT_W / w, INPUT_H / h, 1.0]) @ from_plate
    img = np.asarray(cv2.resize(img, (INPUT_W, INPUT_H), interpolation=cv2.INTER_CUBIC), np.uint8)
    quads = [_warp_box(b, to_input) for b in boxes]
    label, mask = db_target(quads, (INPUT_H, INPUT_W))
    return CropSample(np.asarray(img, np.uint8), quads, label, mask)


def _warp_box(b: tuple[int, int, int, int], m: npt.NDArray[np.float64]) -> Quad:
    x0, y0, x1, y1 = b
    pts = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], dtype=np.float32)
    return np.asarray(cv2.perspectiveTransform(pts, m)[0], np.float32)


def db_target(
    quads: list[Quad], shape: tuple[int, int]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """DB's probability target: each quad shrunk and filled; too-small lines masked out."""
    target = np.zeros(shape, np.float32)
    mask = np.ones(shape, np.float32)
    for quad in quads:
        side = min(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[3] - quad[0]))
        if side < MIN_LINE_PX:
            cv2.fillPoly(mask, [np.round(quad).astype(np.int32)], 0.0)
            continue
        shrunk = shrink(quad)
        if shrunk is None:
            cv2.fillPoly(mask, [np.round(quad).astype(np.int32)], 0.0)
        else:
            cv2.fillPoly(target, [shrunk], 1.0)
    return target, mask


def shrink(quad: Quad) -> npt.NDArray[np.int32] | None:
    area = abs(cv2.contourArea(quad))
    perimeter = cv2.arcLength(quad, True)
    if area < 1 or perimeter < 1:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(
        [tuple(p) for p in np.round(quad).astype(int).tolist()],
        pyclipper.JT_ROUND,
        pyclipper.ET_CLOSEDPOLYGON,
    )
    out = offset.Execute(-area * (1 - SHRINK**2) / perimeter)
    return np.array(out[0], np.int32) if out else None
