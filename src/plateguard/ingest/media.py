"""Images and video through the recognition engine, turned into reads ready for ``store_batch``."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from plateguard.errors import InvalidInput
from plateguard.ingest.adapters import read_id
from plateguard.ingest.plate_pictures import plate_picture
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
    """One read per plate in a picture; the picture is kept as the overview image and the plate's picture
    (rectified from its corners) as the plate image."""
    data = path.read_bytes()
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InvalidInput(f"{path}: not an image that can be decoded", field="path")
    digest = hashlib.sha256(data).hexdigest()
    captured = file_time(path)
    reads = []
    for index, plate in enumerate(recognizer.predict(image)):
        read = _read_from(plate, read_id("image", digest, index), captured)
        picture = plate_picture(image, plate.box, plate.corners)
        plate_image = _jpeg(picture) if picture is not None else None
        reads.append(read.model_copy(update={"overview_image": data, "plate_image": plate_image}))
    return reads


def pass_to_read(
    vehicle_pass: VehiclePass, source_key: str, frame: np.ndarray | None = None
) -> ReadSubmission:
    """The read of a pass; with the frame of its best sighting, that frame and the plate's picture are
    kept."""
    plate = RecognizedPlate(
        plate=vehicle_pass.plate,
        confidence=vehicle_pass.confidence,
        box=vehicle_pass.box,
        region=vehicle_pass.region,
        candidates=vehicle_pass.candidates,
    )
    read = _read_from(
        plate,
        read_id("video", source_key, vehicle_pass.first_frame, vehicle_pass.plate),
        vehicle_pass.captured_at,
    )
    if frame is not None:
        read.overview_image = _jpeg(frame)
        picture = plate_picture(frame, vehicle_pass.box, vehicle_pass.corners)
        read.plate_image = _jpeg(picture) if picture is not None else None
    return read


def _jpeg(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise InvalidInput("a video frame could not be encoded", field="path")
    return bytes(encoded.tobytes())


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
) -> Iterator[tuple[VehiclePass, np.ndarray | None]]:
    """Decode, sample, recognise and track; yields each pass (with its best frame) once it has left."""
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    tracker = tracker or PlateTracker(max_gap_frames=max(every * 4, int(fps)))
    kept: dict[int, np.ndarray] = {}  # frames with plates, while a pass that may need them is in view
    for index, frame in frames(capture, every):
        when = start + dt.timedelta(seconds=index / fps)
        plates = list(recognizer.predict(frame))
        if plates:
            kept[index] = frame
        for vehicle_pass in tracker.update(index, when, plates):
            yield vehicle_pass, kept.get(vehicle_pass.best_frame)
        oldest = tracker.oldest_frame()
        for old in [i for i in kept if oldest is None or i < oldest]:
            del kept[old]
    for vehicle_pass in tracker.finish():
        yield vehicle_pass, kept.get(vehicle_pass.best_frame)


_NAME_TIME = re.compile(r"(20\d\d)-?(\d\d)-?(\d\d)[T_ -]?(\d\d)[-:]?(\d\d)[-:]?(\d\d)")


def video_start(path: Path, duration: dt.timedelta, given: dt.datetime | None = None) -> dt.datetime:
    """When the first frame was taken: as given; else from a time in the file name (UTC, as cameras
    name their recordings ``20261129_081500.mp4``); else the file's modification time less its length
    (logged, because a copied file has the copy's time)."""
    if given is not None:
        return given.astimezone(dt.UTC)
    if match := _NAME_TIME.search(path.name):
        try:
            year, month, day, hour, minute, second = (int(part) for part in match.groups())
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        except ValueError:
            pass
    logger.warning("%s: no start time given or in the name; using its modification time", path.name)
    return file_time(path) - duration


def video_reads(
    path: Path, recognizer: PlateRecognizer, *, every: int = 3, start: dt.datetime | None = None
) -> Iterator[ReadSubmission]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise InvalidInput(f"{path}: not a video that OpenCV can open", field="path")
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0
        first = video_start(path, dt.timedelta(seconds=count / fps), start)
        key = f"{path.name}:{path.stat().st_size}:{first.isoformat()}"
        for vehicle_pass, frame in video_passes(capture, recognizer, start=first, every=every):
            yield pass_to_read(vehicle_pass, key, frame)
    finally:
        capture.release()


def backoff_delays(first: float = 1.0, most: float = 60.0) -> Iterator[float]:
    """1, 2, 4 ... seconds, capped: how long to wait before each reconnect to a dropped stream."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, most)
