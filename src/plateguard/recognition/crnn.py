"""The project's own plate reader: a small CRNN-CTC trained on synthetic plates (see training/).

Reads a whole plate crop (no text detection): grayscale, resized to 48x128, one ONNX call (about 2 ms
on one CPU thread). Besides the plate number it returns the state probabilities of its look head.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from plateguard.recognition.ctc import rank
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS, ModelLoadError, load_session
from plateguard.recognition.types import Image, PlateText

MODEL_DIR = Path(__file__).resolve().parent / "models"
READER_MODEL = MODEL_DIR / "plate_reader.onnx"
IN_H, IN_W = 48, 128
LOOK_TOP = 5
PAD = 0.05
"""Border added on each side (edge pixels repeated): training crops have loose margins, a tight crop reads
worse (75.2 % of crops-us with the border, 71.7 % without, same checkpoint)."""


class CrnnPlateReader:
    """`predict(crop)` -> ranked candidates (A-Z0-9) and the state look probabilities."""

    def __init__(
        self, model: Path = READER_MODEL, *, threads: int = 1, providers: Sequence[str] = DEFAULT_PROVIDERS
    ) -> None:
        self.session = load_session(
            model, threads=threads, providers=providers, expected_input=(None, 1, IN_H, IN_W)
        )
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("alphabet") != "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" or "states" not in meta:
            raise ModelLoadError(f"model {model}: missing or unexpected 'alphabet'/'states' metadata")
        self.states = meta["states"].split(",")
        self.input_name = self.session.get_inputs()[0].name

    def predict(self, crop: Image) -> PlateText:
        probs, states = self.raw(crop)
        order = np.argsort(-states)[:LOOK_TOP]
        look = tuple((self.states[i], round(float(states[i]), 4)) for i in order)
        return PlateText(rank(probs), (), look)

    def raw(self, crop: Image) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame probabilities (T, 37) and state probabilities for one crop."""
        gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        h, w = gray.shape[:2]
        dy, dx = int(PAD * h), int(PAD * w)
        gray = cv2.copyMakeBorder(gray, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
        x = cv2.resize(gray, (IN_W, IN_H), interpolation=cv2.INTER_AREA).astype(np.float32)[None, None]
        probs, states = self.session.run(None, {self.input_name: x})
        return np.asarray(probs[0], dtype=np.float32), np.asarray(states[0], dtype=np.float32)
