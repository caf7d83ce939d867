"""What ingest needs from a plate recognition engine: one ``predict`` on a BGR image.

The engine itself lives in ``plateguard.recognition``; ``EngineAdapter`` turns its results into
``RecognizedPlate`` so that ingest depends only on this small protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from plateguard.config import Settings
from plateguard.errors import ConfigurationError

if TYPE_CHECKING:
    from plateguard.recognition import Pipeline


@dataclass(frozen=True)
class RecognizedPlate:
    plate: str
    confidence: float
    box: tuple[int, int, int, int]  # x, y, width, height in pixels
    region: str | None = None
    region_confidence: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    vehicle_color: str | None = None
    corners: tuple[tuple[float, float], ...] = ()  # the plate's corners, clockwise from the top-left


class PlateRecognizer(Protocol):
    def predict(self, image_bgr: np.ndarray) -> Sequence[RecognizedPlate]: ...


class EngineAdapter:
    """Turns ``plateguard.recognition.Pipeline`` results into ingest's ``RecognizedPlate``."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        return [
            RecognizedPlate(
                plate=result.plate,
                confidence=result.confidence,
                box=(result.box.x, result.box.y, result.box.w, result.box.h),
                region=result.region or None,
                region_confidence=result.region_confidence,
                candidates=tuple((c.plate, c.confidence) for c in result.candidates),
                vehicle_color=None if result.vehicle_color == "unknown" else result.vehicle_color,
                corners=result.corners,
            )
            for result in self.pipeline.recognize(image_bgr)
        ]


def load_recognizer(settings: Settings) -> PlateRecognizer:
    """The recognition engine with the configured thread count, or one clear line saying why not."""
    from plateguard.recognition import ModelLoadError, build_default

    try:
        cfg = settings.recognition
        return EngineAdapter(build_default(threads=cfg.threads, reader=cfg.reader))
    except ModelLoadError as exc:
        raise ConfigurationError(f"the recognition engine cannot be loaded: {exc}") from exc
