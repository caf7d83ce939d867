"""The plate's picture kept with a read recognised here, cut from the frame the plate was read in.

With the plate's corners (the engine reports them) the picture is rectified: a plate seen at an angle is
kept upright and face-on, with a margin that keeps its edges and the state name in view, as dedicated ALPR
cameras send it. Without corners it is the plate's box cut from the frame. Pixels outside the frame stay
black rather than being made up.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from plateguard.recognition.geometry import scale_quad

Box = tuple[int, int, int, int]
Corners = Sequence[tuple[float, float]]

MARGIN = (1.15, 1.8)
"""The plate's corners are grown by these about the plate's centre (along its top edge, along its sides):
they are estimated from the number's line, so the plate's own edges and state name lie just outside."""
MIN_SIDE = 4
"""A rectified picture narrower or lower than this many pixels is no picture, nor is one more than twice
the frame's size (corners far outside it): the box is cut instead."""


def plate_picture(frame: np.ndarray, box: Box, corners: Corners = ()) -> np.ndarray | None:
    """The plate's picture from `frame`: rectified along `corners` when they make a picture, else cut by
    `box`; None when neither does (a box outside the frame and no usable corners)."""
    if len(corners) == 4:
        rectified = _rectified(frame, np.array(corners, dtype=np.float32))
        if rectified is not None:
            return rectified
    x, y, w, h = box
    crop = frame[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    return crop if crop.size else None


def _rectified(frame: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    grown = scale_quad(quad, *MARGIN)
    if not np.isfinite(grown).all():
        return None
    width = round(max(np.linalg.norm(grown[1] - grown[0]), np.linalg.norm(grown[2] - grown[3])))
    height = round(max(np.linalg.norm(grown[3] - grown[0]), np.linalg.norm(grown[2] - grown[1])))
    if not (MIN_SIDE <= width <= 2 * frame.shape[1] and MIN_SIDE <= height <= 2 * frame.shape[0]):
        return None
    upright = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(grown, upright)
    picture = cv2.warpPerspective(
        frame, transform, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )
    return np.asarray(picture, dtype=np.uint8)
