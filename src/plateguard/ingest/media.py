"""Images and video through the recognition engine, turned into reads ready for ``store_batch``."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from plateguard.errors import InvalidInput
from plateguard.ingest.adapters import read_id
from plateguard.ingest.recognition import PlateRecognizer, RecognizedPlate
from plateguard.ingest.schemas import ReadSubmission
from plateguard.ingest.tracking import PlateTracker, VehiclePass

logger = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".m4v", ".ts"})


def file_time(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def _read_from(plate: RecognizedPlate, read_uuid: object, captured_at: dt.datetime) -> ReadSubmission:
    return ReadSubmission.model_validate(
        {
            "id": read_uuid,
            "plate": plate.plate,
            "confidence": min(1.0, max(0.0, plate.confidence)),
            "candidates": [{"plate": t[:16], "confidence": c} for t, c in plate.candidates[:10] if t],
            "region": plate.region if plate.region and len(plate.region) == 5 else None,
            "region_confidence": plate.region_confidence if plate.region else None,
            "captured_at": captured_at,
            "box": plate.box,
            "vehicle": {"color": plate.vehicle_color[:20]} if plate.vehicle_color else {},
        }
    )


def image_reads(path: Path, recognizer: PlateRecognizer) -> list[ReadSubmission]:
    """One read per plate in a picture; the picture is kept as the overview image."""
    data = path.read_bytes()
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInput(f"{path}: not an image that can be decoded", field="path")
    digest = hashlib.sha256(data).hexdigest()
    captured = file_time(path)
    reads = []
    for index, plate in enumerate(recognizer.predict(image)):
        read = _read_from(plate, read_id("image", digest, index), captured)
        reads.append(read.model_copy(update={"overview_image": data}))
    return reads


def pass_to_read(vehicle_pass: VehiclePass, source_key: str) -> ReadSubmission:
    plate = RecognizedPlate(
        plate=vehicle_pass.plate,
        confidence=vehicle_pass.confidence,
        box=vehicle_pass.box,
        region=vehicle_pass.region,
        candidates=vehicle_pass.candidates,
    )
    return _read_from(
        plate,
        read_id("video", source_key, vehicle_pass.first_frame, vehicle_pass.plate),
        vehicle_pass.captured_at,
    )


def frames(capture: cv2.VideoCapture, every: int) -> Iterator[tuple[int, np.ndarray]]:
    """Every ``every``-th decoded frame; skipped frames are grabbed, not decoded."""
    for index in itertools.count():
        if index % every:
            if not capture.grab():
                return
            continue
        ok, frame = capture.read()
        if not ok:
            return
        yield index, frame


def video_passes(
    capture: cv2.VideoCapture,
    recognizer: PlateRecognizer,
    *,
    start: dt.datetime,
    every: int = 3,
    tracker: PlateTracker | None = None,
) -> Iterator[VehiclePass]:
    """Decode, sample, recognise and track; yields one pass per vehicle as soon as it has left."""
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    tracker = tracker or PlateTracker(max_gap_frames=max(every * 4, int(fps)))
    for index, frame in frames(capture, every):
        when = start + dt.timedelta(seconds=index / fps)
        yield from tracker.update(index, when, list(recognizer.predict(frame)))
    yield from tracker.finish()


def video_reads(path: Path, recognizer: PlateRecognizer, *, every: int = 3) -> Iterator[ReadSubmission]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InvalidInput(f"{path}: not a video that OpenCV can open", field="path")
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0
        start = file_time(path) - dt.timedelta(seconds=count / fps)  # the file was closed at its end
        stat = path.stat()
        key = f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}"
        for vehicle_pass in video_passes(capture, recognizer, start=start, every=every):
            yield pass_to_read(vehicle_pass, key)
    finally:
        capture.release()


def backoff_delays(first: float = 1.0, most: float = 60.0) -> Iterator[float]:
    """1, 2, 4 ... seconds, capped: how long to wait before each reconnect to a dropped stream."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, most)
