"""The RapidOCR baseline: off-the-shelf rapidocr-onnxruntime pipeline plus a plate-picking heuristic.

Heuristic: among the recognised text boxes (and the joins of boxes on one row, for plates split by an
emblem), keep strings of 4-8 characters after removing everything but A-Z0-9, and pick the tallest box
(weighted by the recogniser's score, halved when the string has no digit).
"""

from __future__ import annotations

import re
from typing import Any

from plateguard.recognition.types import BoundingBox, Image, PlateCandidate, RecognizedPlate

Item = tuple[BoundingBox, str, float]


class RapidOcrBaseline:
    """Full RapidOCR pipeline (det, 0/180 classifier, rec) on one thread: ``rapidocr-onnxruntime`` 1.4.4
    (PP-OCRv4), or with ``ppocr_v6`` the ``rapidocr`` 3.10 wheel's own PP-OCRv6 small detector and
    recogniser, as they are (that wheel in an environment of its own: it needs opencv-python)."""

    def __init__(self, ppocr_v6: bool = False) -> None:
        self.ppocr_v6 = ppocr_v6
        if ppocr_v6:
            from rapidocr import RapidOCR as RapidOcr3  # type: ignore[import-not-found]

            one_thread = {
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            self.engine = RapidOcr3(params=one_thread)
        else:
            from rapidocr_onnxruntime import RapidOCR

            self.engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def _raw(self, image: Image) -> list[tuple[Any, str, float]]:
        if self.ppocr_v6:
            out = self.engine(image)
            if out.boxes is None:
                return []
            return list(zip(out.boxes, out.txts, out.scores, strict=True))
        result: Any
        result, _ = self.engine(image)
        return list(result or [])

    def _items(self, image: Image) -> list[Item]:
        items: list[Item] = []
        for quad, text, score in self._raw(image):
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = BoundingBox(int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
            items.append((box, re.sub(r"[^A-Z0-9]", "", str(text).upper()), float(score)))
        return items + _row_joins(items)

    def _pick(self, image: Image) -> RecognizedPlate | None:
        best: tuple[float, RecognizedPlate] | None = None
        for box, clean, score in self._items(image):
            if not 4 <= len(clean) <= 8:
                continue
            rank = box.h * score * (1.0 if any(c.isdigit() for c in clean) else 0.5)
            cands = (PlateCandidate(clean, score),)
            plate = RecognizedPlate(clean, score, box, "unknown", 0.0, cands)
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


def _row_joins(items: list[Item]) -> list[Item]:
    """Pairs of neighbouring boxes on one row with similar heights, joined left to right."""
    out: list[Item] = []
    ordered = sorted(items, key=lambda it: it[0].x)
    for i, (a, ta, sa) in enumerate(ordered):
        for b, tb, sb in ordered[i + 1 :]:
            overlap = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
            gap = b.x - (a.x + a.w)
            if overlap >= 0.6 * min(a.h, b.h) and 0.7 <= a.h / max(b.h, 1) <= 1.4 and gap <= 1.5 * a.h:
                x0, y0 = a.x, min(a.y, b.y)
                box = BoundingBox(x0, y0, b.x + b.w - x0, max(a.y + a.h, b.y + b.h) - y0)
                out.append((box, ta + tb, min(sa, sb)))
    return out
