"""A stroke font drawn like US plate lettering (narrow gothic, uniform strokes, open-top 4, flag-only 1).

The installed system fonts give closed 4s, based 1s and round 2s; real plates mostly do not, and a reader
trained on system fonts alone reads a plate's 4 as L, 1 as I and 2 as Z. Glyphs are polylines on a
4 x 8 grid (y down); `draw` returns a white-on-black mask of a string.
"""

from __future__ import annotations

import random

import cv2
import numpy as np

Line = list[tuple[float, float]]
_O: Line = [(1, 0), (3, 0), (4, 1.2), (4, 6.8), (3, 8), (1, 8), (0, 6.8), (0, 1.2), (1, 0)]
_P: Line = [(0, 8), (0, 0), (3, 0), (4, 1), (4, 3), (3, 4), (0, 4)]
GLYPHS: dict[str, list[Line]] = {
    "0": [_O],
    "1": [[(0.8, 1.6), (2.2, 0), (2.2, 8)]],
    "2": [[(0, 1.2), (1, 0), (3, 0), (4, 1.2), (4, 3), (0, 8), (4, 8)]],
    "3": [[(0, 0), (4, 0), (1.8, 3.4), (3, 3.4), (4, 4.5), (4, 7), (3, 8), (1, 8), (0, 7)]],
    "4": [[(2.4, 0), (0, 5.6), (4, 5.6)], [(3.1, 2.6), (3.1, 8)]],
    "5": [[(4, 0), (0.4, 0), (0.1, 3.6), (3, 3.3), (4, 4.5), (4, 7), (3, 8), (1, 8), (0, 7)]],
    "6": [
        [(3.8, 0.6), (3, 0), (1, 0), (0, 1.2), (0, 7), (1, 8), (3, 8), (4, 7), (4, 5), (3, 4), (1, 4), (0, 5)]
    ],
    "7": [[(0, 0), (4, 0), (1.4, 8)]],
    "8": [
        [(1, 0), (3, 0), (4, 1), (4, 3), (3, 4), (1, 4), (0, 3), (0, 1), (1, 0)],
        [(1, 4), (3, 4), (4, 5), (4, 7), (3, 8), (1, 8), (0, 7), (0, 5), (1, 4)],
    ],
    "9": [
        [(0.2, 7.4), (1, 8), (3, 8), (4, 6.8), (4, 1), (3, 0), (1, 0), (0, 1), (0, 3), (1, 4), (3, 4), (4, 3)]
    ],
    "A": [[(0, 8), (0, 2), (1.4, 0), (2.6, 0), (4, 2), (4, 8)], [(0, 5), (4, 5)]],
    "B": [[(0, 0), (0, 8), (3, 8), (4, 7), (4, 5), (3, 4), (0, 4)], [(0, 0), (3, 0), (4, 1), (4, 3), (3, 4)]],
    "C": [[(4, 1.2), (3, 0), (1, 0), (0, 1.2), (0, 6.8), (1, 8), (3, 8), (4, 6.8)]],
    "D": [[(0, 0), (0, 8), (3, 8), (4, 6.8), (4, 1.2), (3, 0), (0, 0)]],
    "E": [[(4, 0), (0, 0), (0, 8), (4, 8)], [(0, 4), (3, 4)]],
    "F": [[(4, 0), (0, 0), (0, 8)], [(0, 4), (3, 4)]],
    "G": [[(4, 1.2), (3, 0), (1, 0), (0, 1.2), (0, 6.8), (1, 8), (3, 8), (4, 6.8), (4, 4.6), (2.2, 4.6)]],
    "H": [[(0, 0), (0, 8)], [(4, 0), (4, 8)], [(0, 4), (4, 4)]],
    "I": [[(2, 0), (2, 8)], [(1, 0), (3, 0)], [(1, 8), (3, 8)]],
    "J": [[(4, 0), (4, 7), (3, 8), (1, 8), (0, 7), (0, 6)]],
    "K": [[(0, 0), (0, 8)], [(4, 0), (0, 5)], [(1.3, 3.8), (4, 8)]],
    "L": [[(0, 0), (0, 8), (4, 8)]],
    "M": [[(0, 8), (0, 0), (2, 5), (4, 0), (4, 8)]],
    "N": [[(0, 8), (0, 0), (4, 8), (4, 0)]],
    "O": [_O],
    "P": [_P],
    "Q": [_O, [(2.4, 6), (4, 8.4)]],
    "R": [_P, [(2, 4), (4, 8)]],
    "S": [[(4, 1), (3, 0), (1, 0), (0, 1), (0, 3), (1, 4), (3, 4), (4, 5), (4, 7), (3, 8), (1, 8), (0, 7)]],
    "T": [[(0, 0), (4, 0)], [(2, 0), (2, 8)]],
    "U": [[(0, 0), (0, 7), (1, 8), (3, 8), (4, 7), (4, 0)]],
    "V": [[(0, 0), (2, 8), (4, 0)]],
    "W": [[(0, 0), (1, 8), (2, 3), (3, 8), (4, 0)]],
    "X": [[(0, 0), (4, 8)], [(4, 0), (0, 8)]],
    "Y": [[(0, 0), (2, 4), (4, 0)], [(2, 4), (2, 8)]],
    "Z": [[(0, 0), (4, 0), (0, 8), (4, 8)]],
    "-": [[(0.5, 4), (3.5, 4)]],
}
ADVANCE = {" ": 3.0, "\u00b7": 2.0}
UNIT = 10  # pixels per grid unit when drawing


def draw(rng: random.Random, text: str) -> np.ndarray:
    """White strokes on black for `text`, with a random stroke weight, letter gap and slant."""
    weight = rng.uniform(0.7, 1.5) * UNIT
    gap = rng.uniform(0.8, 1.6)
    slant = rng.choice([0.0, 0.0, 0.0, rng.uniform(-0.12, 0.18)])
    pad = int(weight) + 2
    width = sum(ADVANCE.get(c, 4.0 + gap) for c in text)
    mask = np.zeros((8 * UNIT + 2 * pad, int(width * UNIT) + 2 * pad + UNIT * 2), np.uint8)
    x = 0.0
    for ch in text:
        if ch == "\u00b7":
            centre = (pad + int((x + 0.6) * UNIT), pad + 4 * UNIT)
            cv2.circle(mask, centre, int(weight * 0.7), 255, -1, cv2.LINE_AA)
        for line in GLYPHS.get(ch, []):
            pts = [(pad + (x + gx + slant * (8 - gy)) * UNIT, pad + gy * UNIT) for gx, gy in line]
            arr = np.round(np.array(pts, np.float32) * 16).astype(np.int32)  # 4 bits of sub-pixel precision
            cv2.polylines(mask, [arr], False, 255, int(weight), cv2.LINE_AA, shift=4)
        x += ADVANCE.get(ch, 4.0 + gap)
    cols = np.flatnonzero(mask.max(axis=0))
    return mask[:, cols[0] : cols[-1] + 1] if cols.size else mask
