"""Any framing reads: a plate-only close-up, as dedicated ALPR cameras send it, reads in scene mode."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from plateguard.recognition.pipeline import Pipeline, PipelineConfig, build_default
from plateguard.recognition.types import BoundingBox

from .conftest import render_plate

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def engine() -> Pipeline:
    return build_default(threads=1, reader="ppocr")


@pytest.mark.parametrize(("text", "width"), [("7ABC123", 300), ("4XYZ567", 200), ("8KLM246", 520)])
def test_a_plate_only_image_reads_in_scene_mode(engine: Pipeline, text: str, width: int) -> None:
    plate = render_plate("ca", text, seed=11)
    closeup = cv2.resize(plate, (width, width // 2))
    before = closeup.copy()
    found = engine.recognize(closeup)  # type: ignore[arg-type]
    assert np.array_equal(closeup, before)
    assert found and found[0].plate == text
    box = found[0].box
    assert box.iou(BoundingBox(0, 0, width, width // 2)) >= 0.3  # the plate fills the picture
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= width and box.y + box.h <= width // 2


def test_close_up_reading_can_be_turned_off(engine: Pipeline) -> None:
    closeup = cv2.resize(render_plate("ca", "7ABC123", seed=11), (300, 150))
    off = Pipeline(
        detector=engine.detector,
        reader=engine.reader,
        region=engine.region,
        config=PipelineConfig(closeup_max_side=0),
    )
    assert off.recognize(closeup) == []  # type: ignore[arg-type]  # the text detector alone misses characters that fill the frame


def test_box_moved_back_from_the_canvas_is_clipped_to_the_image() -> None:
    assert BoundingBox(590, 290, 320, 160).moved_into(-600, -300, 300, 150) == BoundingBox(0, 0, 300, 150)
    assert BoundingBox(650, 320, 100, 50).moved_into(-600, -300, 300, 150) == BoundingBox(50, 20, 100, 50)
