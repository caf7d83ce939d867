"""The box a read reports is the plate's own: it overlaps the plate, wherever and however large the plate is.

Scenes are built here from the project's rendered plates, so the true plate rectangle is known exactly.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import cv2
import numpy as np
import pytest

from plateguard.recognition.geometry import quad_bounds
from plateguard.recognition.pipeline import Pipeline, plate_quad
from plateguard.recognition.types import BoundingBox, PlateCandidate, PlateDetection, PlateText

from .conftest import render_plate
from .test_models import need_ppocr

pytestmark = pytest.mark.model


def plate_box(det: PlateDetection, text: PlateText, width: int, height: int) -> BoundingBox:
    """The box a read reports: the bounds of the plate's corners inside the image (as `Pipeline` does)."""
    return quad_bounds(plate_quad(det, text), (width, height))


@cache
def engine() -> Pipeline:
    need_ppocr()
    from plateguard.recognition.pipeline import build_default

    return build_default(threads=1)


def noisy_scene(width: int, height: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(100, 30, (height, width, 3)), 0, 255).astype(np.uint8)


def paste_plate(scene: np.ndarray, x: int, y: int, width: int, text: str = "8DEF456") -> BoundingBox:
    plate = cv2.resize(render_plate(text=text), (width, width // 2), interpolation=cv2.INTER_AREA)
    scene[y : y + width // 2, x : x + width] = plate
    return BoundingBox(x, y, width, width // 2)


@pytest.mark.parametrize(
    ("size", "plate_width", "at"),
    [
        ((640, 480), 150, (250, 250)),  # a close fixed camera
        ((1280, 720), 120, (600, 500)),
        ((1920, 1080), 200, (900, 700)),  # a large frame, found by the quick search
        ((1920, 1080), 90, (300, 900)),  # a small plate in a large frame: only the full-size search finds it
        ((1280, 720), 300, (100, 100)),
    ],
)
def test_the_reported_box_overlaps_the_plate(
    size: tuple[int, int], plate_width: int, at: tuple[int, int]
) -> None:
    scene = noisy_scene(*size)
    truth = paste_plate(scene, *at, plate_width)
    [found] = engine().recognize(scene)
    assert found.plate == "8DEF456"
    assert found.box.iou(truth) >= 0.3, (found.box, truth)


def test_a_large_plate_is_boxed_tightly() -> None:
    scene = noisy_scene(1280, 720)
    truth = paste_plate(scene, 400, 300, 240)
    [found] = engine().recognize(scene)
    assert found.box.iou(truth) >= 0.6
    assert found.box.w <= 1.2 * truth.w and found.box.h <= 1.3 * truth.h


def test_text_beside_the_plate_does_not_widen_its_box() -> None:
    """A dealer's sign on the same row as the plate: its smaller words are not joined to the number (lines
    are joined only at about the same height, as a number split by an emblem is), so the read and its box
    stay on the plate."""
    scene = np.full((720, 1280, 3), 90, np.uint8)
    scene[395:505, 150:1150] = 235  # a light sign board behind the plate
    truth = paste_plate(scene, 500, 400, 200)
    for x, word in ((200, "DEALER"), (720, "MOTORS 24")):
        cv2.putText(scene, word, (x, 472), cv2.FONT_HERSHEY_DUPLEX, 1.5, (20, 20, 20), 3)
    for quick_side in (800, 0):  # the quick search, and the full-size search alone
        search = engine()
        search = Pipeline(
            detector=search.detector,
            reader=search.reader,
            region=search.region,
            config=replace(search.config, quick_side=quick_side),
        )
        [found] = search.recognize(scene)
        assert found.plate == "8DEF456"
        assert found.box.w <= 1.3 * truth.w
        assert found.box.iou(truth) >= 0.5


def test_a_line_joined_with_text_beside_the_plate_is_boxed_around_the_number_read() -> None:
    """When the detected line is far wider than a plate number (text beside the plate joined it), the box is
    placed around the line the reader picked as the number inside its crop, not around the joined line."""
    joined = ((100.0, 200.0), (700.0, 200.0), (700.0, 240.0), (100.0, 240.0))  # 15 x as wide as high
    det = PlateDetection(BoundingBox(60, 150, 700, 150), 0.9, BoundingBox(100, 200, 600, 40), joined)
    number_in_crop = ((50.0, 52.0), (170.0, 52.0), (170.0, 88.0), (50.0, 88.0))  # crop pixels
    text = PlateText((PlateCandidate("8DEF456", 0.95),), line=number_in_crop)
    box = plate_box(det, text, 1280, 720)
    number = BoundingBox(60 + 50, 150 + 52, 120, 36)
    assert box.contains(*number.centre)
    assert number.w <= box.w <= 1.5 * number.w and number.h <= box.h <= 2.0 * number.h
    plain = PlateDetection(
        det.box,
        0.9,
        BoundingBox(100, 200, 120, 40),
        ((100.0, 200.0), (220.0, 200.0), (220.0, 240.0), (100.0, 240.0)),
    )
    assert plate_box(plain, text, 1280, 720).contains(160, 220), "a plate-shaped line keeps its own box"


def test_a_frame_line_under_the_number_does_not_become_the_plates_box() -> None:
    """The detector found a dealer frame's ARIZONA under the plate, and the reader, in that line's crop,
    read the number above it: the box goes around the number, not around the frame's text."""
    frame_text = ((480.0, 470.0), (605.0, 470.0), (605.0, 510.0), (480.0, 510.0))
    det = PlateDetection(BoundingBox(460, 430, 170, 115), 0.8, BoundingBox(480, 470, 125, 40), frame_text)
    number_in_crop = ((22.0, 0.0), (140.0, 0.0), (140.0, 50.0), (22.0, 50.0))  # crop y 0-50: scene 430-480
    text = PlateText((PlateCandidate("AYX8803", 0.99),), line=number_in_crop)
    box = plate_box(det, text, 918, 1632)
    number = BoundingBox(482, 430, 118, 50)
    assert number.contains(*box.centre), box  # centred on the number (on the frame's text without the rule)
    assert box.iou(number) >= 0.3, box
    # the same read line on the detected row keeps the detected line's box (the usual case)
    on_row = PlateText(text.candidates, line=((22.0, 40.0), (140.0, 40.0), (140.0, 80.0), (22.0, 80.0)))
    assert plate_box(det, on_row, 918, 1632).contains(542, 490)


def test_a_tilted_plate_is_boxed_around_its_corners() -> None:
    scene = np.full((720, 1280, 3), 90, np.uint8)
    patch = np.full((300, 300, 3), 90, np.uint8)
    patch[100:200, 50:250] = cv2.resize(render_plate(text="8DEF456"), (200, 100))
    turn = cv2.getRotationMatrix2D((150, 150), 12, 1.0)
    scene[300:600, 500:800] = cv2.warpAffine(patch, turn, (300, 300), borderValue=(90, 90, 90))
    corners = np.array([[[50, 100], [250, 100], [250, 200], [50, 200]]], np.float32)
    turned = cv2.transform(corners, turn)[0] + [500, 300]
    x0, y0 = turned.min(axis=0)
    x1, y1 = turned.max(axis=0)
    truth = BoundingBox(int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    [found] = engine().recognize(scene)
    assert found.plate == "8DEF456"
    assert found.box.iou(truth) >= 0.5


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (4000, 1), (1, 3000), (5000, 3000), (2400, 60)])
def test_odd_image_sizes_give_no_error_and_boxes_inside_the_image(size: tuple[int, int]) -> None:
    width, height = size
    scene = noisy_scene(width, height, seed=width)
    if width >= 400 and height >= 200:
        paste_plate(scene, width // 3, height // 3, 200)
    for found in engine().recognize(scene):
        box = found.box
        assert box.w > 0 and box.h > 0
        assert box.x >= 0 and box.y >= 0 and box.x + box.w <= width and box.y + box.h <= height


def test_a_plate_at_the_image_edge_is_boxed_inside_the_image() -> None:
    scene = noisy_scene(1280, 720)
    truth = paste_plate(scene, 1280 - 200, 720 - 100, 200)  # bottom-right corner, touching both edges
    [found] = engine().recognize(scene)
    box = found.box
    assert box.x + box.w <= 1280 and box.y + box.h <= 720
    assert box.iou(truth) >= 0.3
