"""Raising the local contrast of a picture, so that the text detector sees plates in shade and at night."""

from __future__ import annotations

import cv2
import numpy as np

from plateguard.recognition.types import Image

CLIP_LIMIT = 3.0
TILES = 8


def raise_local_contrast(image: Image, clip_limit: float = CLIP_LIMIT, tiles: int = TILES) -> Image:
    """The BGR picture with its lightness equalised tile by tile (CLAHE); colours keep their hue."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
    equalizer = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles))
    lab[..., 0] = equalizer.apply(np.ascontiguousarray(lab[..., 0]))
    return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2BGR), dtype=np.uint8)
