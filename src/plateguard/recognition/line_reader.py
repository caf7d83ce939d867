"""Text-line reader for a PP-OCRv4 recogniser fine-tuned to plates (training/finetune_line_reader.py).

The model takes the same input as the stock recogniser, (N, 3, 48, W) normalised to [-1, 1], and already
outputs per-frame probabilities over blank + A-Z0-9 (its metadata `alphabet` names the order), so no
folding is needed. `PlateLineReader` is a drop-in for `ppocr.TextLineReader` in `PpocrPlateReader`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from plateguard.recognition.ctc import Probs
from plateguard.recognition.formats import ALPHABET
from plateguard.recognition.onnx_session import DEFAULT_PROVIDERS, ModelLoadError, load_session
from plateguard.recognition.types import Image

LINE_READER_MODEL = Path(__file__).resolve().parent / "models" / "plate_line_reader.onnx"
LINE_HEIGHT = 48
MIN_WIDTH, MAX_WIDTH, PAD_TO = 16, 640, 80


def line_width(line: Image, height: int = LINE_HEIGHT) -> int:
    """Width of the line resized to `height` (aspect kept, clipped as the stock reader clips it)."""
    h, w = line.shape[:2]
    return int(np.clip(np.ceil(height * w / max(h, 1)), MIN_WIDTH, MAX_WIDTH))


def line_input(line: Image, width: int | None = None, height: int = LINE_HEIGHT) -> npt.NDArray[np.float32]:
    """(3, height, max(tw, 80, width)) network input of a BGR line, zero (mid-grey) padded on the right."""
    tw = line_width(line, height)
    resized = cv2.resize(line, (tw, height), interpolation=cv2.INTER_LINEAR)
    x = np.zeros((3, height, max(tw, PAD_TO, width or 0)), dtype=np.float32)
    x[:, :, :tw] = ((resized.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
    return x


class PlateLineReader:
    """Fine-tuned recogniser: per-frame probabilities (T, 37) over blank + A-Z0-9 for a BGR text line."""

    height = LINE_HEIGHT

    def __init__(
        self, model: Path | None = None, *, threads: int = 1, providers: Sequence[str] = DEFAULT_PROVIDERS
    ) -> None:
        model = model or LINE_READER_MODEL
        self.session = load_session(
            model, threads=threads, providers=providers, expected_input=(None, 3, LINE_HEIGHT, None)
        )
        self.input_name = self.session.get_inputs()[0].name
        alphabet = self.session.get_modelmeta().custom_metadata_map.get("alphabet")
        if alphabet != ALPHABET:
            raise ModelLoadError(f"model {model}: alphabet {alphabet!r}, expected {ALPHABET!r}")

    def predict(self, line: Image) -> Probs:
        """Per-frame probabilities (T, 37) for a BGR text-line image."""
        x = line_input(line)[None]
        probs = self.session.run(None, {self.input_name: x})[0][0]
        return np.asarray(probs, dtype=np.float32)
