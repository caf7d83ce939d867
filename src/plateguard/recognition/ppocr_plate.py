"""Plate detector and plate reader built on the PP-OCR text detector and recogniser."""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from plateguard.recognition.ctc import Probs, rank, segments
from plateguard.recognition.formats import ALPHABET, regions_from_text
from plateguard.recognition.geometry import TextBox, expand, order_quad, to_bgr, warp_quad
from plateguard.recognition.ppocr import TextDetector
from plateguard.recognition.types import Image, PlateCandidate, PlateDetection, PlateText

CROP_WIDTH = 320
FLIP_BELOW = 0.55
SQUASHES = (0.7, 1.0)
"""Plate characters are tall and narrow: the line is read squashed to 70% height and as is, and the more
confident reading is kept (each alone: 89.9% on crops-us, together 91.7%)."""
SURE_READ = 0.98
"""A squashed reading this confident is kept without the as-is reading (same accuracy, 69% fewer reads)."""
NOT_A_NUMBER = 0.3
"""A squashed reading this unsure is other text (a sign, a sticker, a timestamp): the line is not read as
is and the other lines are not read. On the tuning part no reading under 0.3 became a plate read at 0.5
(the scene threshold) when read as is; it saves 23 of the 157 recognizer runs on the tuning scenes."""
PAD_Y = 0.08
STATE_CERTAIN = 0.8


def merge_lines(boxes: list[TextBox]) -> list[TextBox]:
    """Join boxes on one text row (plate text split by an emblem or a wide gap)."""
    items = sorted(boxes, key=lambda b: b.box.x)
    merged: list[list[TextBox]] = []
    for b in items:
        for group in merged:
            if _same_row(group[-1], b):
                group.append(b)
                break
        else:
            merged.append([b])
    return [_join(g) if len(g) > 1 else g[0] for g in merged]


def _same_row(a: TextBox, b: TextBox) -> bool:
    ha, hb = a.box, b.box
    overlap = min(ha.y + ha.h, hb.y + hb.h) - max(ha.y, hb.y)
    small = min(ha.h, hb.h)
    gap = hb.x - (ha.x + ha.w)
    # Only lines of about the same height are one row: a number split by an emblem keeps its character
    # height, while a sign's words beside the plate are seldom as tall (at 1.5, PP-OCRv3's looser line
    # around a small plate's number joined a dealer sign's word; tuning figures the same at 1.25 and 1.5).
    if overlap < 0.6 * small or max(ha.h, hb.h) > 1.25 * small:
        return False
    # plate numbers split by an emblem (horse, orange, keystone) keep the same character height
    return gap <= (2.6 if max(ha.h, hb.h) <= 1.2 * small else 1.2) * small


def _join(group: list[TextBox]) -> TextBox:
    pts = np.array([p for b in group for p in b.quad], dtype=np.float32)
    quad = order_quad(np.asarray(cv2.boxPoints(cv2.minAreaRect(pts)), dtype=np.float32))
    return TextBox(tuple((float(x), float(y)) for x, y in quad), max(b.score for b in group))


def names_one_state(text: str) -> bool:
    """The text names exactly one state (its name or slogan, read without doubt); later lines cannot
    change the region."""
    scores = regions_from_text((text,))
    return len(scores) == 1 and max(scores.values()) >= STATE_CERTAIN


def greedy_text(probs: Probs) -> str:
    return "".join(ALPHABET[i - 1] for i in _collapse(probs.argmax(axis=1)))


def _collapse(path: np.ndarray) -> list[int]:
    out: list[int] = []
    prev = 0
    for k in path.tolist():
        if k != prev and k != 0:
            out.append(int(k))
        prev = k
    return out


def mean_peak(probs: Probs) -> float:
    segs = segments(probs)
    return float(np.mean([s.options[0][1] for s in segs])) if segs else 0.0


class LineReader(Protocol):
    """Reads a rectified text line into per-frame probabilities (T, 37) over blank + A-Z0-9."""

    def predict(self, line: Image) -> Probs: ...


class PpocrPlateReader:
    """Reads a plate crop: finds its text lines, reads the main one, keeps the others for region inference."""

    def __init__(
        self,
        detector: TextDetector,
        reader: LineReader,
        other_lines: int = 3,
        squashes: tuple[float, ...] = SQUASHES,
        text_reader: LineReader | None = None,
    ) -> None:
        """`reader` reads the plate number; `text_reader` (default: the same) the other lines, the state
        name and slogan, which a reader trained on plate numbers alone may read worse."""
        self.detector = detector
        self.reader = reader
        self.text_reader = text_reader or reader
        self.other_lines = other_lines
        self.squashes = squashes

    def predict(self, crop: Image) -> PlateText:
        original_width = crop.shape[1]
        img = normalise_crop(to_bgr(crop))
        lines = merge_lines(self.detector.predict(img, max_side=CROP_WIDTH))
        main = pick_main_line(lines)
        if main is None:
            probs = self._read_best(img)
            return PlateText(rank(probs))
        cands = self._read_main(warp_quad(img, np.array(main.quad, dtype=np.float32), pad_y=PAD_Y))
        scale = original_width / img.shape[1]
        line = tuple((x * scale, y * scale) for x, y in main.quad)
        if not cands or len(cands[0].plate) < 4 or _not_a_number(cands):  # skip the secondary lines
            return PlateText(cands, line=line)
        others = [ln for ln in lines if ln is not main and ln.height >= 0.18 * main.height]
        others.sort(key=lambda ln: -ln.width * ln.height)
        return PlateText(cands, self._read_others(img, others[: self.other_lines]), line=line)

    def _read_others(self, img: Image, lines: list[TextBox]) -> tuple[str, ...]:
        """The other lines' text, largest first, until one names a single state for certain."""
        texts: list[str] = []
        for other in lines:
            text = greedy_text(
                self.text_reader.predict(warp_quad(img, np.array(other.quad, np.float32), pad_y=0.1))
            )
            if text:
                texts.append(text)
                if names_one_state(text):
                    break
        return tuple(texts)

    def _read_main(self, line: Image) -> tuple[PlateCandidate, ...]:
        best: tuple[PlateCandidate, ...] = ()
        for factor in self.squashes:
            cands = rank(self._read_best(_squash(line, factor)))
            if cands and (not best or cands[0].confidence > best[0].confidence):
                best = cands
            if not best or _not_a_number(best) or best[0].confidence >= SURE_READ:
                break
        return best

    def _read_best(self, line: Image) -> Probs:
        probs = self.reader.predict(line)
        if mean_peak(probs) >= FLIP_BELOW:
            return probs
        flipped = self.reader.predict(np.ascontiguousarray(line[::-1, ::-1]))
        return flipped if mean_peak(flipped) > mean_peak(probs) + 0.1 else probs


def _not_a_number(cands: tuple[PlateCandidate, ...]) -> bool:
    return cands[0].confidence < NOT_A_NUMBER


def _squash(line: Image, factor: float) -> Image:
    if factor == 1.0:
        return line
    h, w = line.shape[:2]
    out = cv2.resize(line, (w, max(8, int(h * factor))), interpolation=cv2.INTER_AREA)
    return np.asarray(out, dtype=np.uint8)


def normalise_crop(img: Image) -> Image:
    """The crop scaled up to the reader's working width (`CROP_WIDTH`); wider crops stay as they are."""
    h, w = img.shape[:2]
    if w >= CROP_WIDTH:
        return img
    scale = CROP_WIDTH / max(w, 1)
    out = cv2.resize(img, (CROP_WIDTH, max(8, int(h * scale))), interpolation=cv2.INTER_CUBIC)
    return np.asarray(out, dtype=np.uint8)


def pick_main_line(lines: list[TextBox]) -> TextBox | None:
    """The plate number: the tallest line that is wider than high (state names are smaller)."""
    wide = [ln for ln in lines if ln.width >= 1.2 * ln.height]
    pool = wide or lines
    if not pool:
        return None
    return max(pool, key=lambda ln: ln.height * min(ln.width / ln.height, 4.0))


class PpocrPlateDetector:
    """Finds plate-like text lines in a scene and returns the estimated plate box around each."""

    def __init__(self, detector: TextDetector, max_candidates: int = 8, min_height: int = 8) -> None:
        self.detector = detector
        self.max_candidates = max_candidates
        self.min_height = min_height

    def predict(self, image: Image) -> list[PlateDetection]:
        img = to_bgr(image)
        h, w = img.shape[:2]
        lines = merge_lines(self.detector.predict(img))
        plausible = [ln for ln in lines if _plate_like(ln, self.min_height, h)]
        plausible.sort(key=lambda ln: -ln.score)
        out = []
        for ln in plausible[: self.max_candidates]:
            tb = ln.box
            plate = expand(tb, 1.35, 2.6, (w, h), dy=-0.05)
            out.append(PlateDetection(plate, float(ln.score), tb, ln.quad))
        return out


def _plate_like(line: TextBox, min_height: int, image_h: int) -> bool:
    ratio = line.width / max(line.height, 1.0)
    return 1.3 <= ratio <= 9.0 and min_height <= line.height <= 0.25 * image_h
