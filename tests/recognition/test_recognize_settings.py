"""`plateguard recognize` reads with the reader and threads the configuration names, as ingest does."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from plateguard.recognition import cli, pipeline
from tests.recognition.test_recognition_cli import FakePipeline


@pytest.fixture()
def built(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    calls: list[dict[str, object]] = []

    def build_default(threads: int = 1, reader: str = "ppocr") -> FakePipeline:
        calls.append({"threads": threads, "reader": reader})
        return FakePipeline()

    monkeypatch.setattr(pipeline, "build_default", build_default)
    monkeypatch.delenv("PLATEGUARD_CONFIG", raising=False)
    return calls


def invoke(tmp_path: Path, *options: str) -> int:
    app = typer.Typer()
    app.command("recognize")(cli.recognize)

    @app.callback()
    def _root() -> None:
        """test app"""

    image = tmp_path / "a.png"
    cv2.imwrite(str(image), np.full((40, 80, 3), 127, np.uint8))
    return CliRunner().invoke(app, ["recognize", str(image), *options]).exit_code


def test_the_configured_reader_and_threads_are_used(
    tmp_path: Path, built: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "plateguard.toml"
    config.write_text('[recognition]\nreader = "crnn"\nthreads = 3\n')
    assert invoke(tmp_path, "--config", str(config)) == 0
    monkeypatch.setenv("PLATEGUARD_RECOGNITION__READER", "hybrid")
    assert invoke(tmp_path) == 0
    assert built == [{"threads": 3, "reader": "crnn"}, {"threads": 1, "reader": "hybrid"}]


def test_options_override_the_configuration(tmp_path: Path, built: list[dict[str, object]]) -> None:
    config = tmp_path / "plateguard.toml"
    config.write_text('[recognition]\nreader = "crnn"\nthreads = 3\n')
    assert invoke(tmp_path, "--config", str(config), "--reader", "fast", "--threads", "2") == 0
    assert built == [{"threads": 2, "reader": "fast"}]


def test_a_bad_configuration_is_one_line_and_exit_2(tmp_path: Path, built: list[dict[str, object]]) -> None:
    config = tmp_path / "plateguard.toml"
    config.write_text('[recognition]\nreader = "sharpest"\n')
    assert invoke(tmp_path, "--config", str(config)) == 2
    assert built == []
