"""A read reports the plate's four corners: they follow a tilted plate, the box is their bounding rectangle,
and a plate read on the close-up canvas gets them back in the image's own pixels."""

from __future__ import annotations

import math
from functools import cache

import cv2
import numpy as np
import pytest

from plateguard.recognition.pipeline import Pipeline, moved_back
from plateguard.recognition.types import BoundingBox, PlateCandidate, RecognizedPlate

from .conftest import render_plate
from .test_models import need_ppocr

GREY = (90, 90, 90)


@cache
def engine() -> Pipeline:
    need_ppocr()
    from plateguard.recognition.pipeline import build_default

    return build_default(threads=1)


def tilted_scene(angle: float, size: tuple[int, int] = (1280, 720)) -> tuple[np.ndarray, np.ndarray]:
    """A rendered plate (220 x 110) turned by `angle` degrees (counter-clockwise as seen), and its true
    corners in the scene, clockwise from the top-left."""
    scene = np.full((size[1], size[0], 3), GREY[0], np.uint8)
    patch = np.full((320, 320, 3), GREY[0], np.uint8)
    patch[105:215, 50:270] = cv2.resize(render_plate(text="8DEF456"), (220, 110))
    turn = cv2.getRotationMatrix2D((160, 160), angle, 1.0)
    scene[300:620, 500:820] = cv2.warpAffine(patch, turn, (320, 320), borderValue=GREY)
    corners = np.array([[[50, 105], [270, 105], [270, 215], [50, 215]]], np.float32)
    return scene, cv2.transform(corners, turn)[0] + np.array([500, 300], np.float32)


def edge_angle(start: np.ndarray, end: np.ndarray) -> float:
    return math.degrees(math.atan2(float(end[1] - start[1]), float(end[0] - start[0])))


def bounds(corners: tuple[tuple[float, float], ...]) -> BoundingBox:
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    x0, y0 = math.floor(min(xs)), math.floor(min(ys))
    return BoundingBox(x0, y0, math.ceil(max(xs)) - x0, math.ceil(max(ys)) - y0)


@pytest.mark.model
@pytest.mark.parametrize("angle", [-10.0, 0.0, 8.0, 14.0])
def test_the_corners_follow_a_tilted_plate(angle: float) -> None:
    scene, truth = tilted_scene(angle)
    [found] = engine().recognize(scene)
    assert found.plate == "8DEF456"
    corners = np.array(found.corners, np.float32)
    assert corners.shape == (4, 2)
    # the top and bottom edges run along the plate's own (a box would give 0 degrees for every tilt)
    assert abs(edge_angle(corners[0], corners[1]) - edge_angle(truth[0], truth[1])) < 3.0
    assert abs(edge_angle(corners[3], corners[2]) - edge_angle(truth[3], truth[2])) < 3.0
    # every corner lies on the plate or just outside it (its number's line grown to the plate)
    plate_width = float(np.linalg.norm(truth[1] - truth[0]))
    outline = truth.reshape(-1, 1, 2)
    for corner in corners:
        inside = cv2.pointPolygonTest(outline, (float(corner[0]), float(corner[1])), True)
        assert inside >= -0.1 * plate_width, (corner, truth)
    assert np.linalg.norm(corners.mean(axis=0) - truth.mean(axis=0)) < 0.1 * plate_width
    assert found.box == bounds(found.corners), "the box is the corners' bounding rectangle"


@pytest.mark.model
def test_corners_at_the_image_edge_stay_inside_the_image() -> None:
    scene = np.full((720, 1280, 3), GREY[0], np.uint8)
    scene[620:720, 1080:1280] = cv2.resize(render_plate(text="8DEF456"), (200, 100))
    [found] = engine().recognize(scene)
    assert all(0 <= x <= 1280 and 0 <= y <= 720 for x, y in found.corners)
    assert found.box == bounds(found.corners)


@pytest.mark.model
def test_a_close_up_read_whole_has_the_images_corners() -> None:
    close_up = np.asarray(cv2.resize(render_plate(text="8DEF456"), (300, 150)), np.uint8)
    [found] = engine().recognize(close_up)
    assert found.plate == "8DEF456"
    assert found.corners == ((0.0, 0.0), (300.0, 0.0), (300.0, 150.0), (0.0, 150.0))


def test_a_plate_read_on_the_padded_canvas_gets_the_images_corners_back() -> None:
    """A close-up is searched again on a canvas three times its size; the corners found there are moved
    back by the canvas offset and clipped to the close-up (here the plate ran over its right edge)."""
    on_canvas = RecognizedPlate(
        "8DEF456",
        0.9,
        BoundingBox(400, 210, 160, 80),
        "us-ca",
        0.9,
        (PlateCandidate("8DEF456", 0.9),),
        corners=((400.0, 215.0), (560.0, 210.0), (560.5, 290.0), (400.5, 289.0)),
    )
    back = moved_back(on_canvas, (300, 200), (240, 100))
    assert back.corners == ((100.0, 15.0), (240.0, 10.0), (240.0, 90.0), (100.5, 89.0))
    assert back.box == BoundingBox(100, 10, 140, 80)
