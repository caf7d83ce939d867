"""``plateguard ingest`` and ``plateguard watch`` on a folder and a stream, with a stand-in for the engine."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import CameraKind
from plateguard.cli import app
from plateguard.config import Settings, load_settings
from plateguard.database import make_session_factory
from plateguard.ingest import recognition
from plateguard.ingest.forward import QUEUE_FILE, ForwardQueue
from plateguard.ingest.media_cli import ReadSink, watch_folder, watch_stream
from plateguard.reads.models import PlateRead
from tests.conftest import prepared_data_dir
from tests.ingest.test_media import WhiteBoxReader, write_video


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    prepared_data_dir(folder, {"Evidence video": CameraKind.FIXED}).engine.dispose()
    monkeypatch.setattr(recognition, "load_recognizer", lambda settings: WhiteBoxReader())
    return folder


def plates(settings: Settings) -> list[str]:
    from plateguard.database import make_engine

    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session, system_scope(session, "test"):
        found = list(session.scalars(select(PlateRead.plate_normalized)))
    engine.dispose()
    return found


def picture(path: Path) -> Path:
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    cv2.rectangle(image, (100, 200), (220, 240), (255, 255, 255), -1)
    cv2.imwrite(str(path), image)
    return path


def test_ingest_command_stores_one_read_per_pass_and_per_picture(data_dir: Path, tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    write_video(video)
    args = ["ingest", "--camera", "Evidence video", str(picture(tmp_path / "a.jpg")), str(video)]
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "2 new reads from 2 files" in result.output
    again = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)])
    assert "0 new reads" in again.output
    assert plates(load_settings(overrides={"data_dir": data_dir})) == ["7ABC123", "7ABC123"]


def test_ingest_refuses_an_unknown_camera_and_missing_files(data_dir: Path, tmp_path: Path) -> None:
    unknown = CliRunner().invoke(
        app, ["ingest", "--camera", "Nowhere", str(picture(tmp_path / "a.jpg")), "--data-dir", str(data_dir)]
    )
    assert unknown.exit_code == 1 and "no camera named 'Nowhere'" in unknown.output
    missing = CliRunner().invoke(
        app, ["ingest", "--camera", "Evidence video", "nope.jpg", "--data-dir", str(data_dir)]
    )
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_ingest_can_queue_for_a_patrol_car(data_dir: Path, tmp_path: Path) -> None:
    args = ["ingest", "--queue", "--camera", "Evidence video", str(picture(tmp_path / "a.jpg"))]
    assert CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)]).exit_code == 0
    assert len(ForwardQueue(data_dir / QUEUE_FILE)) == 1


def test_watch_folder_processes_dropped_files(data_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(overrides={"data_dir": data_dir})
    drop = tmp_path / "drop"
    drop.mkdir()
    sink = ReadSink(settings, "Evidence video", queue=False)
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_folder, args=(drop, WhiteBoxReader(), sink, stop), kwargs={"poll": 0.1}
    )
    watcher.start()
    good = picture(tmp_path / "car.jpg")
    (tmp_path / "junk.jpg").write_bytes(b"not a picture")
    for path in (good, tmp_path / "junk.jpg"):
        path.rename(drop / path.name)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (drop / "rejected" / "junk.jpg").exists():
        time.sleep(0.1)
    while time.monotonic() < deadline and not (drop / "processed" / "car.jpg").exists():
        time.sleep(0.1)
    stop.set()
    watcher.join(5)
    assert (drop / "processed" / "car.jpg").exists() and (drop / "rejected" / "junk.jpg").exists()
    assert plates(settings) == ["7ABC123"]


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_watch_stream_reconnects_with_back_off_and_stores_each_pass(data_dir: Path, tmp_path: Path) -> None:
    """The camera's HTTP stream is down at first, comes up, then ends (drops): watch keeps reconnecting."""
    served = tmp_path / "camera"
    served.mkdir()
    write_video(served / "live.avi")
    handler = functools.partial(QuietFiles, directory=str(served))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings = load_settings(overrides={"data_dir": data_dir})
    sink = ReadSink(settings, "Evidence video", queue=False)
    stop = threading.Event()
    url = f"http://127.0.0.1:{port}/live.avi"
    watcher = threading.Thread(target=watch_stream, args=(url, WhiteBoxReader(), sink, stop))
    watcher.start()
    time.sleep(0.5)  # the first connection fails: nothing listens yet
    assert sink.stored == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while sink.stored < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        watcher.join(10)
        server.shutdown()
    assert sink.stored >= 2, "the stream was not reconnected after it ended"
    assert set(plates(settings)) == {"7ABC123"}
    assert len(plates(settings)) == sink.stored  # one read per pass per connection, none repeated


def test_a_video_ingested_before_is_not_recognised_again(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateguard.ingest import media

    video = tmp_path / "clip.avi"
    write_video(video)
    args = ["ingest", "--camera", "Evidence video", str(video), "--data-dir", str(data_dir)]
    assert CliRunner().invoke(app, args).exit_code == 0
    decoded: list[Path] = []
    original = media.video_reads
    monkeypatch.setattr(
        media,
        "video_reads",
        lambda path, *a, **k: decoded.append(path) or original(path, *a, **k),  # type: ignore[func-returns-value]
    )
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert decoded == [] and "0 new reads" in again.output
    copy = tmp_path / "copy.avi"
    copy.write_bytes(video.read_bytes() + b"\0")  # other content: recognised
    CliRunner().invoke(app, ["ingest", "--camera", "Evidence video", str(copy), "--data-dir", str(data_dir)])
    assert decoded == [copy]
