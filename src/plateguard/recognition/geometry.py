"""Image geometry helpers: text-line boxes, rectified crops, resizing. Never writes into its inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from plateguard.recognition.types import BoundingBox, Image

RotatedRect = tuple[Sequence[float], Sequence[float], float]
"""OpenCV `minAreaRect` result: centre, size, angle."""

Quad = npt.NDArray[np.float32]
"""4x2 corners, clockwise from top-left."""


@dataclass(frozen=True)
class TextBox:
    quad: tuple[tuple[float, float], ...]
    score: float

    @property
    def box(self) -> BoundingBox:
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        x0, y0 = int(min(xs)), int(min(ys))
        return BoundingBox(x0, y0, max(1, int(max(xs)) - x0), max(1, int(max(ys)) - y0))

    @property
    def height(self) -> float:
        q = np.array(self.quad, dtype=np.float32)
        return float((np.linalg.norm(q[0] - q[3]) + np.linalg.norm(q[1] - q[2])) / 2)

    @property
    def width(self) -> float:
        q = np.array(self.quad, dtype=np.float32)
        return float((np.linalg.norm(q[0] - q[1]) + np.linalg.norm(q[3] - q[2])) / 2)


def order_quad(pts: npt.NDArray[np.float32]) -> Quad:
    xs = pts[np.argsort(pts[:, 0]), :]
    left = xs[:2][np.argsort(xs[:2, 1])]
    right = xs[2:][np.argsort(xs[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


def rect_quad(rect: RotatedRect, grow: float = 0.0) -> Quad:
    """Corners of a rotated rectangle (OpenCV `minAreaRect` form) grown by `grow` pixels on each side."""
    (cx, cy), (w, h), angle = rect
    pts = cv2.boxPoints(((cx, cy), (w + 2 * grow, h + 2 * grow), angle))
    return order_quad(np.asarray(pts, dtype=np.float32))


def warp_quad(image: Image, quad: Quad, pad_y: float = 0.0) -> Image:
    """Perspective-rectified crop of a text line; `pad_y` adds that fraction of the height above and below."""
    q = quad.astype(np.float32).copy()
    if pad_y:
        left, right = (q[3] - q[0]) * pad_y, (q[2] - q[1]) * pad_y
        q[0] -= left
        q[3] += left
        q[1] -= right
        q[2] += right
    w = max(4, round(float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[3] - q[2])))))
    h = max(4, round(float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))))
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    out = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return np.asarray(out, dtype=np.uint8)


def crop_box(image: Image, box: BoundingBox) -> Image:
    h, w = image.shape[:2]
    x0, y0 = max(0, box.x), max(0, box.y)
    x1, y1 = min(w, box.x + box.w), min(h, box.y + box.h)
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def to_bgr(image: Image) -> Image:
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    return image


def expand(box: BoundingBox, fx: float, fy: float, limit: tuple[int, int], dy: float = 0.0) -> BoundingBox:
    """Scale `box` about its centre (shifted by `dy` heights) and clip to `limit` (width, height)."""
    cx, cy = box.centre
    cy += dy * box.h
    w, h = box.w * fx, box.h * fy
    x0, y0 = max(0, int(cx - w / 2)), max(0, int(cy - h / 2))
    x1, y1 = min(limit[0], int(cx + w / 2)), min(limit[1], int(cy + h / 2))
    return BoundingBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def scale_quad(quad: Quad, fx: float, fy: float) -> Quad:
    """`quad` scaled about its centre along its own axes: `fx` along the top and bottom edges, `fy` along
    the sides (a tilted text line grows into its tilted plate)."""
    q = quad.astype(np.float32)
    centre = q.mean(axis=0)
    across = ((q[1] - q[0]) + (q[2] - q[3])) / 4  # half the width, along the line
    down = ((q[3] - q[0]) + (q[2] - q[1])) / 4  # half the height
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32)
    return np.asarray(centre + signs[:, :1] * across * fx + signs[:, 1:] * down * fy, dtype=np.float32)


def quad_bounds(quad: Quad, limit: tuple[int, int]) -> BoundingBox:
    """The axis-aligned box around `quad`, clipped to an image of `limit` (width, height)."""
    x0, y0 = max(0, int(np.floor(quad[:, 0].min()))), max(0, int(np.floor(quad[:, 1].min())))
    x1, y1 = min(limit[0], int(np.ceil(quad[:, 0].max()))), min(limit[1], int(np.ceil(quad[:, 1].max())))
    return BoundingBox(x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def clipped_corners(quad: Quad, limit: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    """`quad`'s corners as plain numbers, each clipped to an image of `limit` (width, height)."""
    xs = np.clip(quad[:, 0], 0, limit[0])
    ys = np.clip(quad[:, 1], 0, limit[1])
    return tuple((float(x), float(y)) for x, y in zip(xs, ys, strict=True))


def image_corners(width: int, height: int) -> tuple[tuple[float, float], ...]:
    return ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))
