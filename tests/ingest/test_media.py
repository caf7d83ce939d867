"""Image and video ingest: tracking plates across frames, one read per vehicle pass, voted text."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from plateguard.demo_scenes import render_plate
from plateguard.ingest.media import backoff_delays, image_reads, video_reads
from plateguard.ingest.recognition import RecognizedPlate
from plateguard.ingest.tracking import PlateTracker, iou, text_similarity
from plateguard.recognition.pipeline import FAST_SURE

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


def plate(text: str, x: int, confidence: float = 0.9, y: int = 100) -> RecognizedPlate:
    return RecognizedPlate(plate=text, confidence=confidence, box=(x, y, 120, 40))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 10, 10), 1 / 3),
        ((0, 0, 10, 10), (20, 20, 5, 5), 0.0),
    ],
)
def test_iou(a, b, expected) -> None:  # type: ignore[no-untyped-def]
    assert iou(a, b) == pytest.approx(expected)


def test_text_similarity_ignores_punctuation() -> None:
    assert text_similarity("7ABC 123", "7abc-123") == 1.0
    assert text_similarity("7ABC123", "7A8C123") > 0.8


def test_one_pass_per_vehicle_with_the_best_voted_text() -> None:
    tracker = PlateTracker(max_gap_frames=5)
    texts = ["7ABC123", "7A8C123", "7ABC123", "7ABC128", "7ABC123", "7ABC123"]
    passes = []
    for frame, text in enumerate(texts):
        passes += tracker.update(frame * 2, T0 + dt.timedelta(seconds=frame), [plate(text, 100 + frame * 15)])
    passes += tracker.update(40, T0, [])
    assert len(passes) == 1
    [vehicle] = passes
    assert vehicle.plate == "7ABC123" and vehicle.frames == 6
    assert vehicle.candidates[0][0] == "7ABC123" and len(vehicle.candidates) == 3


def test_two_cars_in_view_are_two_passes() -> None:
    tracker = PlateTracker(max_gap_frames=5)
    for frame in range(6):
        tracker.update(
            frame, T0, [plate("7ABC123", 100 + frame * 10), plate("5XYZ999", 900 - frame * 10, y=500)]
        )
    assert sorted(p.plate for p in tracker.finish()) == ["5XYZ999", "7ABC123"]


def test_the_same_plate_coming_back_later_is_a_new_pass() -> None:
    tracker = PlateTracker(max_gap_frames=5)
    tracker.update(0, T0, [plate("7ABC123", 100)])
    first = tracker.update(50, T0, [plate("7ABC123", 100)])
    assert [p.plate for p in first] == ["7ABC123"]
    assert [p.plate for p in tracker.finish()] == ["7ABC123"]


class WhiteBoxReader:
    """Stands in for the engine: finds the bright plate and reads it, with an occasional misread."""

    def __init__(self) -> None:
        self.calls = itertools.count()

    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        mask = cv2.inRange(image_bgr, (200, 200, 200), (255, 255, 255))
        points = cv2.findNonZero(mask)
        if points is None:
            return []
        x, y, w, h = cv2.boundingRect(points)
        text = "7A8C123" if next(self.calls) % 4 == 1 else "7ABC123"
        return [RecognizedPlate(plate=text, confidence=0.88, box=(x, y, w, h), region="us-ca")]


def write_video(path: Path, frames: int = 90, fps: int = 30) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (640, 360))  # type: ignore[attr-defined]
    for index in range(frames):
        frame = np.zeros((360, 640, 3), dtype=np.uint8)
        if 10 <= index < 50:  # a car passes: its plate crosses the frame, then the road is empty
            x = 20 + index * 10
            cv2.rectangle(frame, (x, 200), (x + 90, 230), (255, 255, 255), -1)
        writer.write(frame)
    writer.release()


def test_a_video_gives_one_read_per_pass(tmp_path: Path) -> None:
    video = tmp_path / "pass.avi"
    write_video(video)
    reads = list(video_reads(video, WhiteBoxReader(), every=3))
    assert [read.plate for read in reads] == ["7ABC123"]
    assert reads[0].region == "us-ca"
    assert reads[0].candidates[0].plate == "7ABC123"
    again = list(video_reads(video, WhiteBoxReader(), every=3))
    assert again[0].id == reads[0].id  # ingesting the same file twice stores nothing new


def test_an_image_gives_one_read_per_plate_with_the_picture(tmp_path: Path) -> None:
    picture = np.zeros((360, 640, 3), dtype=np.uint8)
    cv2.rectangle(picture, (100, 200), (220, 240), (255, 255, 255), -1)
    path = tmp_path / "snap.jpg"
    cv2.imwrite(str(path), picture)
    [read] = image_reads(path, WhiteBoxReader())
    assert read.plate == "7ABC123" and read.overview_image == path.read_bytes()


def test_reconnect_back_off_doubles_up_to_a_minute() -> None:
    assert list(itertools.islice(backoff_delays(), 8)) == [1, 2, 4, 8, 16, 32, 60, 60]


@pytest.mark.model
def test_the_real_engine_reads_a_plate_in_a_scene_for_ingest() -> None:
    from plateguard.config import load_settings
    from plateguard.ingest.recognition import load_recognizer

    plate = cv2.imdecode(np.frombuffer(render_plate("7ABC123"), np.uint8), cv2.IMREAD_COLOR)
    scene = np.full((480, 640, 3), 90, np.uint8)
    scene[250:325, 250:400] = cv2.resize(plate, (150, 75))  # type: ignore[arg-type]
    [recognized] = load_recognizer(load_settings()).predict(scene)
    assert recognized.plate == "7ABC123"
    assert recognized.region == "us-ca"
    x, y, w, h = recognized.box
    plate_area = 150 * 75
    overlap = max(0, min(x + w, 400) - max(x, 250)) * max(0, min(y + h, 325) - max(y, 250))
    assert overlap / (w * h + plate_area - overlap) >= 0.5, "the reported box is the plate's own"
    assert recognized.candidates[0] == ("7ABC123", recognized.confidence)


@pytest.mark.model
@pytest.mark.parametrize(("reader", "sure_above"), [("hybrid", math.inf), ("fast", FAST_SURE)])
def test_the_configured_plate_reader_serves_ingest(
    reader: str, sure_above: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateguard.config import load_settings
    from plateguard.ingest.recognition import EngineAdapter, load_recognizer
    from plateguard.recognition.hybrid import HybridReader

    monkeypatch.setenv("PLATEGUARD_RECOGNITION__READER", reader)
    plate = cv2.imdecode(np.frombuffer(render_plate("7ABC123"), np.uint8), cv2.IMREAD_COLOR)
    scene = np.full((480, 640, 3), 90, np.uint8)
    scene[250:325, 250:400] = cv2.resize(plate, (150, 75))  # type: ignore[arg-type]
    engine = load_recognizer(load_settings())
    assert isinstance(engine, EngineAdapter) and isinstance(engine.pipeline.reader, HybridReader)
    assert engine.pipeline.reader.sure_above == sure_above
    assert [r.plate for r in engine.predict(scene)] == ["7ABC123"]


def test_a_video_read_keeps_its_frame_and_crop_and_the_time_it_was_taken(tmp_path: Path) -> None:
    import datetime as dt

    video = tmp_path / "pass.avi"
    write_video(video)
    start = dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
    [read] = video_reads(video, WhiteBoxReader(), every=3, start=start)
    assert start <= read.captured_at <= start + dt.timedelta(seconds=3)  # not the file's time
    assert read.overview_image is not None and read.overview_image.startswith(b"\xff\xd8")
    assert read.plate_image is not None and read.plate_image.startswith(b"\xff\xd8")
    named = tmp_path / "20261120_081500.avi"
    video.rename(named)
    [from_name] = video_reads(named, WhiteBoxReader(), every=3)
    assert from_name.captured_at == read.captured_at  # the recording's name gives its start
