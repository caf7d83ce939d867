"""Value types and component interfaces of the recognition engine (no I/O, no web, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
"""A BGR (or grayscale) uint8 image as returned by OpenCV; never modified by the engine."""


@dataclass(frozen=True)
class BoundingBox:
    """Axis-aligned box in pixels of the original image."""

    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    def iou(self, other: BoundingBox) -> float:
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h

    def moved_into(self, dx: int, dy: int, width: int, height: int) -> BoundingBox:
        """This box shifted by (dx, dy) and clipped to an image of the given size."""
        x0, y0 = max(0, self.x + dx), max(0, self.y + dy)
        x1, y1 = min(width, self.x + self.w + dx), min(height, self.y + self.h + dy)
        return BoundingBox(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


@dataclass(frozen=True)
class PlateDetection:
    """A plate found in a scene: its box, the detector's confidence and the main text line inside it."""

    box: BoundingBox
    confidence: float
    text_box: BoundingBox
    quad: tuple[tuple[float, float], ...] = ()
    """Corners of the main text line (clockwise from top-left), for a rectified crop; may be empty."""


@dataclass(frozen=True)
class PlateCandidate:
    plate: str
    confidence: float


@dataclass(frozen=True)
class PlateText:
    """What a reader read on one plate crop: ranked candidates (best first) and any other text seen."""

    candidates: tuple[PlateCandidate, ...]
    other_text: tuple[str, ...] = ()
    """Secondary text on the plate (state name, slogan), upper-cased, for region inference."""
    look: tuple[tuple[str, float], ...] = ()
    """The reader's own region opinion from the plate's look: (two-letter code, probability), best first."""
    line: tuple[tuple[float, float], ...] = ()
    """Corners of the plate-number line it read, in pixels of the crop (clockwise from top-left); empty
    when the reader reads the crop whole."""

    @property
    def best(self) -> PlateCandidate:
        return self.candidates[0] if self.candidates else PlateCandidate("", 0.0)


@dataclass(frozen=True)
class RegionGuess:
    region: str
    """`us-xx` code, or `unknown`."""
    confidence: float


@dataclass(frozen=True)
class RecognizedPlate:
    plate: str
    confidence: float
    box: BoundingBox
    region: str
    region_confidence: float
    candidates: tuple[PlateCandidate, ...]
    vehicle_color: str = "unknown"
    corners: tuple[tuple[float, float], ...] = ()
    """The plate's four corners in image pixels, clockwise from the top-left, clipped to the image: a tilted
    plate's corners follow its tilt, so its picture can be rectified. `box` is their bounding rectangle. A
    crop read as a plate has the crop's own corners."""

    def to_dict(self) -> dict[str, object]:
        return {
            "plate": self.plate,
            "confidence": round(self.confidence, 4),
            "box": self.box.as_list(),
            "region": self.region,
            "region_confidence": round(self.region_confidence, 4),
            "candidates": [{"plate": c.plate, "confidence": round(c.confidence, 4)} for c in self.candidates],
            "vehicle_color": self.vehicle_color,
            "corners": [[round(x, 1), round(y, 1)] for x, y in self.corners],
        }


@runtime_checkable
class PlateDetector(Protocol):
    def predict(self, image: Image) -> list[PlateDetection]: ...


@runtime_checkable
class PlateReader(Protocol):
    def predict(self, crop: Image) -> PlateText: ...


@runtime_checkable
class RegionClassifier(Protocol):
    def predict(self, crop: Image, text: PlateText) -> RegionGuess: ...
