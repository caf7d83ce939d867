"""The recognition pipeline: detector -> reader -> region inference, with constructor injection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from plateguard.recognition.color import vehicle_color
from plateguard.recognition.ctc import fits_region
from plateguard.recognition.formats import is_state_word, is_timestamp
from plateguard.recognition.geometry import crop_box, to_bgr
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS
from plateguard.recognition.types import (
    BoundingBox,
    Image,
    PlateCandidate,
    PlateDetection,
    PlateDetector,
    PlateReader,
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
        return [replace(p, box=p.box.moved_into(-dx, -dy, w, h)) for p in self._recognize_scene(canvas)]

    def _recognize_scene(self, img: Image) -> list[RecognizedPlate]:
        found: list[tuple[RecognizedPlate, int]] = []
        sure_height = 0
        # Tallest text first; once a confident plate is read, shorter text that could only be a
        # secondary plate below the height ratio is not read at all (saves most reads per scene).
        for det in sorted(self.detector.predict(img), key=lambda d: -d.text_box.h):
            if det.text_box.h < self.config.second_plate_height * sure_height:
                continue
            plate = self._read(img, det)
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
            best.plate, best.confidence, BoundingBox(0, 0, w, h), region.region, region.confidence, cands
        )

    def _read(self, img: Image, det: PlateDetection) -> RecognizedPlate | None:
        crop = crop_box(img, det.box)
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
        return RecognizedPlate(best.plate, score, det.box, region.region, region.confidence, cands, color)


SURE_PLATE = 0.7
"""A read this confident makes much shorter text in the same scene not worth reading."""
PLATE_SHAPED = (1.6, 5.0)
"""Width-to-height ratios of a close-up that is read whole as a plate first (US plates are 2:1; crops
with a frame or a little car around them stay within these)."""


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


READERS = ("ppocr", "crnn", "hybrid", "fast")
DEFAULT_READER = "ppocr"
FAST_SURE = 0.95
"""`fast` reader: the own model's reading is kept alone from this confidence on (no PP-OCR for that plate)."""


def build_default(
    threads: int = 1, providers: Sequence[str] = DEFAULT_PROVIDERS, reader: str = DEFAULT_READER
) -> Pipeline:
    """The default engine: PP-OCR text detector (rapidocr-onnxruntime wheel) and the chosen plate reader.

    `reader`: `ppocr` (PP-OCRv4 recogniser with plate post-processing), `crnn` (the project's own model
    alone), `hybrid` (both, readings fused) or `fast` (own model, PP-OCR only when it is unsure).
    """
    from plateguard.recognition.ppocr import TextDetector, TextLineReader
    from plateguard.recognition.ppocr_plate import PpocrPlateDetector, PpocrPlateReader
    from plateguard.recognition.region import TextRegionClassifier

    if reader not in READERS:
        raise ValueError(f"unknown reader {reader!r}; choose one of {READERS}")
    det = TextDetector(threads=threads, providers=providers)
    plate_reader: PlateReader
    if reader == "crnn":
        from plateguard.recognition.crnn import CrnnPlateReader

        plate_reader = CrnnPlateReader(threads=threads, providers=providers)
    else:
        plate_reader = PpocrPlateReader(det, TextLineReader(threads=threads, providers=providers))
        if reader in ("hybrid", "fast"):
            from plateguard.recognition.crnn import CrnnPlateReader
            from plateguard.recognition.hybrid import HybridReader

            own = CrnnPlateReader(threads=threads, providers=providers)
            plate_reader = HybridReader(own, plate_reader)
            if reader == "fast":
                plate_reader.sure_above = FAST_SURE
    return Pipeline(detector=PpocrPlateDetector(det), reader=plate_reader, region=TextRegionClassifier())
