"""The RapidOCR baseline: off-the-shelf rapidocr-onnxruntime pipeline plus a plate-picking heuristic."""

from __future__ import annotations

import re
from typing import Any

from plateguard.recognition.types import BoundingBox, Image, PlateCandidate, RecognizedPlate


class RapidOcrBaseline:
    """Full RapidOCR pipeline (det, 0/180 classifier, rec) on one thread; picks the most plate-like text."""

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def _pick(self, image: Image) -> RecognizedPlate | None:
        result: Any
        result, _ = self.engine(image)
        best: tuple[float, RecognizedPlate] | None = None
        for quad, text, score in result or []:
            clean = re.sub(r"[^A-Z0-9]", "", str(text).upper())
            if not 4 <= len(clean) <= 8:
                continue
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = BoundingBox(int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
            rank = box.h * float(score) * (1.0 if any(c.isdigit() for c in clean) else 0.5)
            plate = RecognizedPlate(
                clean, float(score), box, "unknown", 0.0, (PlateCandidate(clean, float(score)),)
            )
            if best is None or rank > best[0]:
                best = (rank, plate)
        return best[1] if best else None

    def recognize(self, image: Image) -> list[RecognizedPlate]:
        plate = self._pick(image)
        return [plate] if plate else []

    def read_crop(self, image: Image) -> RecognizedPlate:
        plate = self._pick(image)
        h, w = image.shape[:2]
        return plate or RecognizedPlate("", 0.0, BoundingBox(0, 0, w, h), "unknown", 0.0, ())
