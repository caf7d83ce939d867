"""Optional backends for fast-alpr's models, loaded from files the user has downloaded beforehand.

Nothing is downloaded here. Detector: an end-to-end YOLOv9 ONNX export (e.g. `yolo-v9-t-384-license-plate-
end2end.onnx`; output rows `[batch, x1, y1, x2, y2, class, score]`). Reader: a fast-plate-ocr ONNX model with
fixed character slots (output `(N, slots * len(alphabet))` or `(N, slots, len(alphabet))`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from plateguard.recognition.ctc import rank_pool
from plateguard.recognition.geometry import to_bgr
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS, ModelLoadError, load_session
from plateguard.recognition.types import BoundingBox, Image, PlateCandidate, PlateDetection, PlateText

FPO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_"


class YoloPlateDetector:
    """fast-alpr's YOLOv9 plate detector (end-to-end export with NMS inside the model)."""

    def __init__(
        self,
        model: Path,
        *,
        threads: int = 1,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
        min_score: float = 0.4,
    ) -> None:
        self.session = load_session(
            model, threads=threads, providers=providers, expected_input=(None, 3, None, None)
        )
        shape = self.session.get_inputs()[0].shape
        if not (isinstance(shape[2], int) and isinstance(shape[3], int)):
            raise ModelLoadError(f"model {model}: expected a fixed input size, got {shape}")
        self.size = (int(shape[3]), int(shape[2]))
        self.input_name = self.session.get_inputs()[0].name
        self.min_score = min_score

    def predict(self, image: Image) -> list[PlateDetection]:
        img = to_bgr(image)
        h, w = img.shape[:2]
        scale = min(self.size[0] / w, self.size[1] / h)
        nw, nh = round(w * scale), round(h * scale)
        canvas = np.full((self.size[1], self.size[0], 3), 114, np.uint8)
        canvas[:nh, :nw] = cv2.resize(img, (nw, nh))
        x = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        rows = np.asarray(self.session.run(None, {self.input_name: x})[0]).reshape(-1, 7)
        out = []
        for _, x1, y1, x2, y2, _, score in rows.tolist():
            if score < self.min_score:
                continue
            bx = BoundingBox(int(x1 / scale), int(y1 / scale), int((x2 - x1) / scale), int((y2 - y1) / scale))
            out.append(PlateDetection(bx, float(score), bx))
        return sorted(out, key=lambda d: -d.confidence)


class FastPlateOcrReader:
    """fast-plate-ocr reader: fixed slots, one softmax per slot, pad character `_`."""

    def __init__(
        self,
        model: Path,
        *,
        alphabet: str = FPO_ALPHABET,
        pad_char: str = "_",
        threads: int = 1,
        providers: Sequence[str] = DEFAULT_PROVIDERS,
    ) -> None:
        self.session = load_session(model, threads=threads, providers=providers)
        shape = self.session.get_inputs()[0].shape
        if len(shape) != 4 or not all(isinstance(d, int) for d in shape[1:]):
            raise ModelLoadError(
                f"model {model}: expected input (N, H, W, C) with fixed H, W, C, got {shape}"
            )
        self.height, self.width, self.channels = int(shape[1]), int(shape[2]), int(shape[3])
        self.dtype = np.uint8 if "uint8" in self.session.get_inputs()[0].type else np.float32
        self.alphabet, self.pad = alphabet, pad_char
        self.input_name = self.session.get_inputs()[0].name

    def predict(self, crop: Image) -> PlateText:
        code = cv2.COLOR_BGR2GRAY if self.channels == 1 else cv2.COLOR_BGR2RGB
        img = np.asarray(cv2.cvtColor(to_bgr(crop), code), dtype=np.uint8)
        x = cv2.resize(img, (self.width, self.height)).reshape(1, self.height, self.width, self.channels)
        out = np.asarray(self.session.run(None, {self.input_name: x.astype(self.dtype)})[0], dtype=np.float32)
        slots = out.reshape(-1, len(self.alphabet))
        return PlateText(self.candidates(slots))

    def candidates(self, slots: np.ndarray, k: int = 10) -> tuple[PlateCandidate, ...]:
        """Best string plus single-slot substitutions, ranked by slot-probability product."""
        best = slots.argmax(axis=1)
        pool: dict[str, float] = {}
        base = [self.alphabet[i] for i in best]
        p_best = float(np.prod(slots[np.arange(len(best)), best]))
        pool[_strip(base, self.pad)] = p_best
        for s in range(len(best)):
            for alt in np.argsort(-slots[s])[1:3]:
                text = base.copy()
                text[s] = self.alphabet[alt]
                p = p_best / max(float(slots[s, best[s]]), 1e-6) * float(slots[s, alt])
                key = _strip(text, self.pad)
                pool[key] = max(pool.get(key, 0.0), p)
        return rank_pool(pool, None, k)


def _strip(chars: list[str], pad: str) -> str:
    return "".join(c for c in chars if c != pad)
