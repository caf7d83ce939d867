"""The `plateguard recognize` CLI contract: output shapes, bad files, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from plateguard.recognition import cli, pipeline
from plateguard.recognition.types import BoundingBox, Image, PlateCandidate, RecognizedPlate


class FakePipeline(pipeline.Pipeline):
    def __init__(self) -> None:  # no models
        pass

    def recognize(self, image: Image) -> list[RecognizedPlate]:
        return [_plate("ABC1234", 0.6, 5), _plate("7XYZ123", 0.9, 50)]

    def read_crop(self, crop: Image) -> RecognizedPlate:
        return _plate("7XYZ123", 0.8, 0)


def _plate(text: str, conf: float, x: int) -> RecognizedPlate:
    cands = (PlateCandidate(text, conf), PlateCandidate(text[:-1], conf / 2))
    return RecognizedPlate(text, conf, BoundingBox(x, 10, 40, 20), "us-ca", 0.9, cands, "white")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setattr(pipeline, "build_default", lambda threads=1, reader="ppocr": FakePipeline())
    app = typer.Typer()
    app.command("recognize")(cli.recognize)

    @app.callback()
    def _root() -> None:
        """test app"""

    return app


@pytest.fixture
def images(tmp_path: Path) -> Path:
    cv2.imwrite(str(tmp_path / "a.png"), np.full((40, 80, 3), 127, np.uint8))
    cv2.imwrite(str(tmp_path / "b.jpg"), np.full((40, 80, 3), 127, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    return tmp_path


def test_the_plateguard_command_offers_recognize() -> None:
    from plateguard.cli import app as plateguard_app

    result = CliRunner().invoke(plateguard_app, ["recognize", "--help"])
    assert result.exit_code == 0
    for option in ("--format", "--plate-crops", "--threads"):
        assert option in result.output


def test_jsonl_one_object_per_image_plates_by_confidence(app: typer.Typer, images: Path) -> None:
    result = CliRunner().invoke(app, ["recognize", "--format", "jsonl", str(images)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [Path(str(o["source"])).name for o in lines] == ["a.png", "b.jpg"]  # folders: image files only
    first = lines[0]
    assert set(first) == {"source", "plates", "elapsed_ms"}
    assert [p["plate"] for p in first["plates"]] == ["7XYZ123", "ABC1234"]
    plate = first["plates"][0]
    assert plate["box"] == [50, 10, 40, 20]
    assert plate["region"] == "us-ca" and plate["vehicle_color"] == "white"
    assert plate["candidates"][0] == {"plate": "7XYZ123", "confidence": 0.9}
    assert isinstance(first["elapsed_ms"], float)


def test_plate_crops_uses_the_reader_only(app: typer.Typer, images: Path) -> None:
    result = CliRunner().invoke(app, ["recognize", "--plate-crops", str(images / "a.png")])
    assert result.exit_code == 0
    obj = json.loads(result.output)
    assert [p["plate"] for p in obj["plates"]] == ["7XYZ123"]


def test_bad_file_gives_error_object_and_run_continues(app: typer.Typer, images: Path) -> None:
    args = ["recognize", str(images / "notes.txt"), str(images / "missing.png"), str(images / "a.png")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 3
    assert "error" in lines[0] and "notes.txt" in lines[0]["error"]
    assert "error" in lines[1] and lines[1]["plates"] == []
    assert "error" not in lines[2] and lines[2]["plates"]


def test_json_format_is_one_array(app: typer.Typer, images: Path) -> None:
    result = CliRunner().invoke(app, ["recognize", "--format", "json", str(images / "a.png")])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert isinstance(data, list) and data[0]["plates"][0]["plate"] == "7XYZ123"


def test_table_format_lists_plates(app: typer.Typer, images: Path) -> None:
    result = CliRunner().invoke(app, ["recognize", "--format", "table", str(images / "a.png")])
    assert result.exit_code == 0
    assert "7XYZ123" in result.output
