"""The PP-OCR plate reader's reading order, with injected fake text detection and line reading (no models):
how often the recogniser runs decides most of the time a plate takes."""

from __future__ import annotations

from typing import cast

import numpy as np

from plateguard.recognition.formats import ALPHABET
from plateguard.recognition.geometry import TextBox
from plateguard.recognition.ppocr import TextDetector
from plateguard.recognition.ppocr_plate import PpocrPlateReader
from plateguard.recognition.types import Image

NUMBER_LINE = TextBox(((40.0, 60.0), (280.0, 60.0), (280.0, 110.0), (40.0, 110.0)), 0.9)
STATE_LINE = TextBox(((100.0, 15.0), (220.0, 15.0), (220.0, 40.0), (100.0, 40.0)), 0.9)


def frames(text: str, peak: float) -> np.ndarray:
    """CTC frames spelling `text`: each character at `peak` between blank frames."""
    probs = np.zeros((2 * len(text) + 1, len(ALPHABET) + 1), np.float32)
    probs[:, 0] = 1.0
    for i, ch in enumerate(text):
        row = 2 * i + 1
        probs[row, 0] = 1.0 - peak
        probs[row, ALPHABET.index(ch) + 1] = peak
    return probs


class FakeTextDetector:
    def predict(self, image: Image, max_side: int | None = None) -> list[TextBox]:
        return [NUMBER_LINE, STATE_LINE]


class ScriptedLineReader:
    """Answers each call with the next scripted reading and counts the calls."""

    def __init__(self, *readings: np.ndarray) -> None:
        self.readings = list(readings)
        self.calls = 0

    def predict(self, line: Image) -> np.ndarray:
        self.calls += 1
        return self.readings[min(self.calls, len(self.readings)) - 1]


def crop() -> np.ndarray:
    return np.full((160, 320, 3), 200, np.uint8)


def reader(number: ScriptedLineReader, text: ScriptedLineReader) -> PpocrPlateReader:
    return PpocrPlateReader(cast(TextDetector, FakeTextDetector()), number, text_reader=text)


def test_a_sure_squashed_reading_is_not_read_again_as_is() -> None:
    number = ScriptedLineReader(frames("7ABC123", 0.999), frames("7ABC128", 0.999))
    state = ScriptedLineReader(frames("CALIFORNIA", 0.99))
    text = reader(number, state).predict(crop())
    assert text.best.plate == "7ABC123"
    assert number.calls == 1
    assert text.other_text == ("CALIFORNIA",)


def test_an_unsure_reading_is_read_as_is_too_and_the_more_confident_one_wins() -> None:
    number = ScriptedLineReader(frames("7ABC128", 0.8), frames("7ABC123", 0.9))
    state = ScriptedLineReader(frames("CALIFORNIA", 0.99))
    text = reader(number, state).predict(crop())
    assert text.best.plate == "7ABC123"
    assert number.calls == 2
    assert state.calls == 1


def test_text_that_is_no_plate_number_is_read_once_and_its_other_lines_not_at_all() -> None:
    # a camera's timestamp overlay: read clearly, but far too long for any US plate
    number = ScriptedLineReader(frames("20140424142445", 0.95), frames("7ABC123", 0.99))
    state = ScriptedLineReader(frames("CALIFORNIA", 0.99))
    text = reader(number, state).predict(crop())
    assert text.best.confidence < 0.3
    assert number.calls == 1
    assert state.calls == 0
    assert text.other_text == ()
