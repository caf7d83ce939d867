"""The state name and slogan lines are read smaller than the number (36 px high against 48), which makes
them cheaper; the state is still named, and a model loaded with a free height gives exactly the same output
at its own height."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest

from plateguard.recognition.onnx_session import load_session
from plateguard.recognition.pipeline import OTHER_LINE_HEIGHT, Pipeline, build_default

from .conftest import REPO, render_plate
from .test_models import need_ppocr

pytestmark = pytest.mark.model
STATES = ("ca", "tx", "ny", "fl", "wa", "az", "or", "nv", "il", "pa", "oh", "ga", "nj", "mi", "co")


def stock_model() -> Path:
    need_ppocr()
    from plateguard.recognition.ppocr import REC_MODEL, ppocr_model_dir

    return ppocr_model_dir() / REC_MODEL


class HeightSpy:
    """Wraps an ONNX Runtime session and records the height of every input it runs."""

    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        self.session = session
        self.heights: list[int] = []

    def run(self, names, feeds):  # type: ignore[no-untyped-def]
        self.heights.extend(x.shape[2] for x in feeds.values())
        return self.session.run(names, feeds)


def test_the_number_is_read_at_48_px_and_the_other_lines_at_36() -> None:
    need_ppocr()
    engine: Pipeline = build_default(threads=1)
    reader = engine.reader
    number_spy, others_spy = HeightSpy(reader.reader.session), HeightSpy(reader.text_reader.session)  # type: ignore[attr-defined]
    reader.reader.session, reader.text_reader.session = number_spy, others_spy  # type: ignore[attr-defined]
    found = engine.read_crop(render_plate("tx", "7ABC123"))
    assert found.plate == "7ABC123" and found.region == "us-tx"
    assert number_spy.heights and set(number_spy.heights) == {48}
    assert others_spy.heights and set(others_spy.heights) == {OTHER_LINE_HEIGHT} == {36}


def test_the_state_is_named_on_rendered_plates_of_fifteen_states() -> None:
    need_ppocr()
    sys.path.insert(0, str(REPO / "training"))
    import render

    engine = build_default(threads=1)
    misses = []
    for state in STATES:
        for seed in (1, 2):
            plate = np.asarray(render.render_color(random.Random(seed), state, "7ABC123"))
            found = engine.read_crop(plate)
            if found.region != f"us-{state}":
                misses.append((state, seed, found.region))
    assert not misses


def test_a_free_height_changes_nothing_at_the_models_own_height() -> None:
    path = stock_model()
    fixed, free = load_session(path), load_session(path, free_dims=(2,))
    name = fixed.get_inputs()[0].name
    line = np.random.default_rng(5).uniform(-1, 1, (1, 3, 48, 270)).astype(np.float32)
    assert np.array_equal(fixed.run(None, {name: line})[0], free.run(None, {name: line})[0])
    small = line[:, :, :36, :200]
    assert free.run(None, {name: small})[0].shape[1] == 25  # one frame per 8 pixels of width
    with pytest.raises(Exception, match=r"(?i)dimension"):
        fixed.run(None, {name: small})
