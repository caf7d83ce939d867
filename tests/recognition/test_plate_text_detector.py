"""The crop text detector finds a plate's number as one whole line, and its state name as another.

The plates are those of test_separators.py (DejaVu Sans Bold, not the training renderer), with the
number's box known from the drawing, so the expectation does not come from the detector.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest

from plateguard.recognition.geometry import TextBox
from plateguard.recognition.ppocr import PLATE_TEXT_DETECTOR_MODEL, TextDetector, plate_text_detector
from plateguard.recognition.ppocr_plate import CROP_WIDTH, merge_lines, normalise_crop, pick_main_line

from .test_models import need_ppocr
from .test_separators import NUMBERS, Box, drawn_plate

pytestmark = pytest.mark.model


@cache
def detector() -> TextDetector:
    need_ppocr()
    assert PLATE_TEXT_DETECTOR_MODEL.is_file(), "the crop text detector is committed with the package"
    return plate_text_detector(threads=1)


def horizontal_cover(quad: tuple[tuple[float, float], ...], box: Box) -> float:
    """Share of the box's width that the quad's horizontal extent covers."""
    xs = [p[0] for p in quad]
    return max(0.0, min(max(xs), box[2]) - max(min(xs), box[0])) / (box[2] - box[0])


def lines_of(crop: np.ndarray) -> tuple[list[TextBox], float]:
    img = normalise_crop(crop)
    return merge_lines(detector().predict(img, max_side=CROP_WIDTH)), img.shape[1] / crop.shape[1]


def small_and_tilted(crop: np.ndarray, box: Box) -> tuple[np.ndarray, Box]:
    """The plate turned 4 degrees and shrunk to 120 px wide, as a distant camera sees it; the box is the
    turned number's horizontal extent (its height stays the drawn one's, scaled)."""
    h, w = crop.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 4, 1.0)
    turned = cv2.warpAffine(crop, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    corners = np.array([[box[0], box[1], 1], [box[2], box[1], 1], [box[2], box[3], 1], [box[0], box[3], 1]])
    xs, ys = (corners @ turn.T).T
    f = 120 / w
    small = cv2.resize(turned, (120, round(h * f)), interpolation=cv2.INTER_AREA)
    return np.asarray(small, np.uint8), (xs.min() * f, ys.min() * f, xs.max() * f, ys.max() * f)


@pytest.mark.parametrize("view", ["as drawn", "small and tilted"])
@pytest.mark.parametrize("mark", ["gap", "dot", "dash", "orange"])
@pytest.mark.parametrize(("left", "right"), NUMBERS)
def test_the_number_is_one_whole_line_across_a_separator(left: str, right: str, mark: str, view: str) -> None:
    crop, number, _ = drawn_plate(left, right, mark)
    if view == "small and tilted":
        crop, number = small_and_tilted(crop, number)
    lines, scale = lines_of(crop)
    main = pick_main_line(lines)
    assert main is not None
    quad = tuple((x / scale, y / scale) for x, y in main.quad)
    assert horizontal_cover(quad, number) >= 0.93, f"{left} {right}: the number's line is not whole"
    ys = [p[1] for p in quad]
    assert min(ys) < number[3] and max(ys) > number[1], "the main line is not on the number"


@pytest.mark.parametrize(("left", "right"), NUMBERS)
def test_the_state_name_is_found_as_its_own_line(left: str, right: str) -> None:
    crop, _, name = drawn_plate(left, right, "gap")
    lines, scale = lines_of(crop)
    main = pick_main_line(lines)
    others = [ln for ln in lines if ln is not main]
    covers = [horizontal_cover(tuple((x / scale, y / scale) for x, y in ln.quad), name) for ln in others]
    assert covers and max(covers) >= 0.9, "the state name was not found beside the number"
