"""What ingest needs from a plate recognition engine: one ``predict`` on a BGR image.

The engine itself lives in ``plateguard.recognition``; ``EngineAdapter`` turns its results into
``RecognizedPlate`` so that ingest depends only on this small protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from plateguard.config import Settings
from plateguard.errors import ConfigurationError


@dataclass(frozen=True)
class RecognizedPlate:
    plate: str
    confidence: float
    box: tuple[int, int, int, int]  # x, y, width, height in pixels
    region: str | None = None
    region_confidence: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    vehicle_color: str | None = None


class PlateRecognizer(Protocol):
    def predict(self, image_bgr: np.ndarray) -> Sequence[RecognizedPlate]: ...


def _box(value: Any) -> tuple[int, int, int, int]:
    if all(hasattr(value, name) for name in ("x1", "y1", "x2", "y2")):
        x1, y1, x2, y2 = (int(getattr(value, name)) for name in ("x1", "y1", "x2", "y2"))
        return x1, y1, max(0, x2 - x1), max(0, y2 - y1)
    if all(hasattr(value, name) for name in ("x", "y", "width", "height")):
        return int(value.x), int(value.y), int(value.width), int(value.height)
    x1, y1, x2, y2 = (int(v) for v in value)  # a plain sequence is taken as corners
    return x1, y1, max(0, x2 - x1), max(0, y2 - y1)


def _candidates(value: Any) -> tuple[tuple[str, float], ...]:
    out = []
    for item in value or ():
        text = getattr(item, "plate", None) or getattr(item, "text", None)
        score = getattr(item, "confidence", None)
        if text is None and isinstance(item, tuple | list) and len(item) == 2:
            text, score = item
        if text is not None and score is not None:
            out.append((str(text), float(score)))
    return tuple(out)


class EngineAdapter:
    """Wraps ``plateguard.recognition.Pipeline`` (or anything with the same result fields)."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        return [
            RecognizedPlate(
                plate=str(result.plate),
                confidence=float(result.confidence),
                box=_box(result.box),
                region=getattr(result, "region", None),
                region_confidence=getattr(result, "region_confidence", None),
                candidates=_candidates(getattr(result, "candidates", ())),
                vehicle_color=getattr(result, "vehicle_color", None),
            )
            for result in self.pipeline.predict(image_bgr)
        ]


def load_recognizer(settings: Settings) -> PlateRecognizer:
    """The configured recognition engine, or one clear line saying why it cannot be used."""
    try:
        from plateguard import recognition  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise ConfigurationError(f"the recognition engine cannot be loaded: {exc}") from exc
    for name in ("load_pipeline", "create_pipeline"):
        factory = getattr(recognition, name, None)
        if factory is not None:
            return EngineAdapter(factory(settings))
    pipeline_class = getattr(recognition, "Pipeline", None)
    if pipeline_class is not None and hasattr(pipeline_class, "from_settings"):
        return EngineAdapter(pipeline_class.from_settings(settings))
    raise ConfigurationError("plateguard.recognition offers no way to build a Pipeline from the settings")
