"""A plate in shade or at night, with only a few grey levels between its characters and its background,
is still found: a scene in which no plate is read is searched again with its local contrast raised."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from plateguard.recognition.contrast import raise_local_contrast
from plateguard.recognition.pipeline import Pipeline

from .test_plate_boxes import engine, noisy_scene, paste_plate

pytestmark = pytest.mark.model


def dim(pixels: np.ndarray, floor: int, levels: int) -> np.ndarray:
    """Pixels squeezed into `levels` grey levels above `floor` (0-255 becomes floor..floor+levels)."""
    return floor + pixels.astype(np.float32) * levels / 255


def without_retry(pipeline: Pipeline) -> Pipeline:
    config = replace(pipeline.config, contrast_retry=False)
    return Pipeline(detector=pipeline.detector, reader=pipeline.reader, region=pipeline.region, config=config)


def with_sensor_noise(picture: np.ndarray) -> np.ndarray:
    noise = np.random.default_rng(3).normal(0, 2, picture.shape)
    return np.clip(picture + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("floor", "levels"), [(10, 14), (20, 12), (60, 14)])
def test_a_night_scene_with_little_contrast_is_read(floor: int, levels: int) -> None:
    scene = noisy_scene(1280, 720)
    truth = paste_plate(scene, 500, 350, 160)
    night = with_sensor_noise(dim(scene, floor, levels))
    assert without_retry(engine()).recognize(night) == []  # the plain search misses it
    [found] = engine().recognize(night)
    assert found.plate == "8DEF456" and found.box.iou(truth) >= 0.3


def test_a_plate_in_shade_on_a_bright_car_is_read() -> None:
    scene = noisy_scene(1280, 720)
    truth = paste_plate(scene, 500, 350, 160)
    shaded = scene.astype(np.float32)
    x, y, w, h = truth.x, truth.y, truth.w, truth.h
    shaded[y : y + h, x : x + w] = dim(scene[y : y + h, x : x + w], 20, 12)
    picture = with_sensor_noise(shaded)
    assert without_retry(engine()).recognize(picture) == []
    [found] = engine().recognize(picture)
    assert found.plate == "8DEF456" and found.box.iou(truth) >= 0.3


def test_the_colour_of_a_dark_scene_comes_from_the_original_pixels() -> None:
    body = np.full((720, 1280, 3), 50, np.uint8)  # a black car at dusk (raised contrast: dark grey)
    truth = paste_plate(body, 500, 350, 160)
    plate = body[truth.y : truth.y + truth.h, truth.x : truth.x + truth.w]
    body[truth.y : truth.y + truth.h, truth.x : truth.x + truth.w] = dim(plate, 45, 12)
    picture = with_sensor_noise(body)
    assert without_retry(engine()).recognize(picture) == []
    [found] = engine().recognize(picture)
    assert found.plate == "8DEF456" and found.vehicle_color == "black"


def test_raising_contrast_keeps_the_picture_and_spreads_its_levels() -> None:
    flat = dim(noisy_scene(320, 240), 40, 10).astype(np.uint8)
    raised = raise_local_contrast(flat)
    assert raised.shape == flat.shape and raised.dtype == np.uint8
    assert int(raised.max()) - int(raised.min()) > 2 * (int(flat.max()) - int(flat.min()))
    assert (flat == dim(noisy_scene(320, 240), 40, 10).astype(np.uint8)).all()  # the input is untouched


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((720, 1280, 3), np.uint8),  # lens covered, or a dead sensor
        np.full((720, 1280, 3), 255, np.uint8),  # blinded by headlights
        np.full((480, 640), 3, np.uint8),  # a grey-scale night frame with nothing in it
        np.zeros((300, 600, 4), np.uint8),  # BGRA from a camera SDK
    ],
    ids=["black", "white", "grey-scale", "bgra"],
)
def test_a_broken_camera_frame_goes_through_the_retry_without_a_plate_or_an_error(frame: np.ndarray) -> None:
    before = frame.copy()
    assert engine().recognize(frame) == []
    assert (frame == before).all()
