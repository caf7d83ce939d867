"""Vehicle colour from the bodywork around the plate: a small set of names, `unknown` when unsure."""

from __future__ import annotations

import cv2
import numpy as np

from plateguard.recognition.types import BoundingBox, Image

COLORS = ("white", "silver", "gray", "black", "red", "orange", "yellow", "green", "blue", "brown")


def vehicle_color(image: Image, plate: BoundingBox, min_agreement: float = 0.45) -> str:
    """Dominant colour of two bands beside and above the plate; `unknown` without a clear majority."""
    if image.ndim != 3 or image.shape[2] != 3:
        return "unknown"
    patches = _body_patches(image, plate)
    if not patches:
        return "unknown"
    pixels = np.concatenate([p.reshape(-1, 3) for p in patches])
    if len(pixels) < 50:
        return "unknown"
    hsv = cv2.cvtColor(pixels.reshape(-1, 1, 3), cv2.COLOR_BGR2HSV).reshape(-1, 3)
    counts = np.bincount(_classify(hsv), minlength=len(COLORS))
    best = int(np.argmax(counts))
    if counts[best] / len(hsv) < min_agreement:
        return "unknown"
    return COLORS[best]


def _body_patches(image: Image, plate: BoundingBox) -> list[Image]:
    h, w = image.shape[:2]
    out = []
    regions = (
        (plate.x - plate.w, plate.y - plate.h, plate.w, plate.h),  # left, above
        (plate.x + plate.w, plate.y - plate.h, plate.w, plate.h),  # right, above
        (plate.x, plate.y - 2 * plate.h, plate.w, plate.h),  # above the plate
    )
    for x, y, bw, bh in regions:
        x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + bw), min(h, y + bh)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            out.append(image[y0:y1, x0:x1])
    return out


def _classify(hsv: np.ndarray) -> np.ndarray:
    """Each pixel's colour as its index in COLORS."""
    hue = hsv[:, 0].astype(np.int32) * 2
    sat = hsv[:, 1].astype(np.int32)
    val = hsv[:, 2].astype(np.int32)
    names = np.full(len(hsv), COLORS.index("gray"), dtype=np.int64)
    chroma = (sat >= 70) & (val >= 50)
    names[~chroma & (val < 55)] = COLORS.index("black")
    names[~chroma & (val >= 55) & (val < 140)] = COLORS.index("gray")
    names[~chroma & (val >= 140) & (val < 200)] = COLORS.index("silver")
    names[~chroma & (val >= 200)] = COLORS.index("white")
    names[chroma & ((hue < 15) | (hue >= 340))] = COLORS.index("red")
    names[chroma & (hue >= 15) & (hue < 40) & (val < 140)] = COLORS.index("brown")
    names[chroma & (hue >= 15) & (hue < 40) & (val >= 140)] = COLORS.index("orange")
    names[chroma & (hue >= 40) & (hue < 70)] = COLORS.index("yellow")
    names[chroma & (hue >= 70) & (hue < 170)] = COLORS.index("green")
    names[chroma & (hue >= 170) & (hue < 260)] = COLORS.index("blue")
    names[chroma & (hue >= 260) & (hue < 340)] = COLORS.index("red")
    return names
