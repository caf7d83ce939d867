"""The folder watcher outlives bad files and a database outage, and stops only on a logged condition."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import sessionmaker

from plateguard.config import load_settings
from plateguard.database import make_engine
from plateguard.ingest.media_cli import ReadSink, WatchStopped, watch_folder
from plateguard.recognition.types import RecognizedPlate
from tests.ingest.test_media import WhiteBoxReader
from tests.ingest.test_media_cli import data_dir, picture, plates

__all__ = ["data_dir"]  # the fixture, reused


class CrashingReader(WhiteBoxReader):
    """The engine crashing on one odd picture (an OpenCV or ONNX error, say)."""

    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:  # type: ignore[override]
        if image_bgr.shape[1] == 321:
            raise RuntimeError("decoder crashed on an odd frame size")
        return super().predict(image_bgr)  # type: ignore[return-value]


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class Watcher:
    def __init__(self, folder: Path, sink: ReadSink, **options: object) -> None:
        self.stop, self.error = threading.Event(), None
        self.thread = threading.Thread(target=self._run, args=(folder, sink, options))
        self.thread.start()

    def _run(self, folder: Path, sink: ReadSink, options: dict[str, object]) -> None:
        try:
            watch_folder(folder, CrashingReader(), sink, self.stop, poll=0.05, **options)  # type: ignore[arg-type]
        except WatchStopped as exc:
            self.error = exc  # type: ignore[assignment]

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture()
def drop(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "drop"
    folder.mkdir()
    yield folder


def drop_file(drop: Path, made: Path) -> Path:
    target = drop / made.name
    made.rename(target)
    return target


def test_bad_too_large_and_crashing_files_are_set_aside_and_the_watcher_goes_on(
    data_dir: Path, drop: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import cv2

    settings = load_settings(overrides={"data_dir": data_dir})
    watcher = Watcher(drop, ReadSink(settings, "Evidence video", queue=False), max_file_bytes=200_000)
    try:
        (tmp_path / "huge.jpg").write_bytes(b"\xff" * 300_000)
        cv2.imwrite(str(tmp_path / "odd.png"), np.zeros((200, 321, 3), dtype=np.uint8))
        for name in ("huge.jpg", "odd.png"):
            drop_file(drop, tmp_path / name)
        assert wait_for(
            lambda: (drop / "rejected" / "odd.png").exists() and (drop / "rejected" / "huge.jpg").exists()
        )
        drop_file(drop, picture(tmp_path / "car.jpg"))
        assert wait_for(lambda: (drop / "processed" / "car.jpg").exists())
    finally:
        watcher.finish()
    assert watcher.error is None
    assert plates(settings) == ["7ABC123"]
    assert "more than the 200000" in caplog.text and "decoder crashed" in caplog.text


def test_a_database_outage_is_retried_and_nothing_is_lost(
    data_dir: Path, drop: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(overrides={"data_dir": data_dir})
    sink = ReadSink(settings, "Evidence video", queue=False)
    working = sink.factory
    sink.factory = sessionmaker(bind=make_engine(f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}"))
    caplog.set_level(logging.ERROR)
    watcher = Watcher(drop, sink)
    try:
        drop_file(drop, picture(tmp_path / "car.jpg"))
        assert wait_for(lambda: "database error" in caplog.text)
        assert (drop / "car.jpg").exists()  # kept for the retry, not set aside
        sink.factory = working
        assert wait_for(lambda: (drop / "processed" / "car.jpg").exists(), seconds=20)
    finally:
        watcher.finish()
    assert watcher.error is None and len(plates(settings)) == 1  # stored once, after the outage


def test_the_watcher_stops_with_a_logged_reason_when_its_folder_is_gone(
    data_dir: Path, drop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(overrides={"data_dir": data_dir})
    watcher = Watcher(drop, ReadSink(settings, "Evidence video", queue=False))
    time.sleep(0.2)
    shutil.rmtree(drop)
    watcher.thread.join(10)
    assert not watcher.thread.is_alive()
    assert isinstance(watcher.error, WatchStopped)
    assert "cannot be read" in caplog.text and "stopping" in caplog.text
