"""``plateguard ingest`` (image and video files) and ``plateguard watch`` (a folder or a stream)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from plateguard.cli_common import ConfigOption, DataDirOption, friendly_errors, open_database, settings_from
from plateguard.config import Settings
from plateguard.errors import InvalidInput, PlateguardError
from plateguard.ingest.recognition import PlateRecognizer
from plateguard.ingest.schemas import ReadSubmission

logger = logging.getLogger(__name__)
CameraOption = Annotated[str, typer.Option("--camera", help="Name of the registered camera or unit.")]
EveryOption = Annotated[int, typer.Option("--every", min=1, max=100, help="Recognise every Nth video frame.")]


class ReadSink:
    """Where reads go: the database (one transaction per call), or the forward queue of a mobile unit."""

    def __init__(self, settings: Settings, camera_name: str, *, queue: bool) -> None:
        from plateguard.database import make_session_factory, transaction
        from plateguard.ingest.forward import QUEUE_FILE, ForwardQueue
        from plateguard.ingest.hooks import read_stored_callback

        self.settings, self.camera_name, self.stored = settings, camera_name, 0
        self.queue = ForwardQueue(settings.data_dir / QUEUE_FILE) if queue else None
        self.factory = None if queue else make_session_factory(open_database(settings))
        self.on_stored = read_stored_callback(settings)
        if self.factory is not None:
            from plateguard.cameras import service as camera_service

            with transaction(self.factory) as session:
                self.camera_id = camera_service.require_by_name(session=session, name=camera_name).id

    def marker(self, path: Path) -> Path:
        """Where a video file's completed ingest for this camera is recorded (by the file's content)."""
        import hashlib

        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        camera = hashlib.sha256(self.camera_name.encode()).hexdigest()[:16]
        kind = "queued" if self.queue is not None else "stored"
        return self.settings.data_dir / "ingested-videos" / f"{camera}-{digest.hexdigest()}.{kind}"

    def put(self, reads: list[ReadSubmission]) -> None:
        if not reads:
            return
        if self.queue is not None:
            self.stored += self.queue.put(reads)
            return
        from plateguard.database import transaction
        from plateguard.ingest import service

        assert self.factory is not None
        with transaction(self.factory) as session:
            camera = service.camera_for_writing(session=session, camera_id=self.camera_id)
            result = service.store_batch(
                session=session,
                camera=camera,
                reads=reads,
                images_dir=self.settings.images_dir,
                on_stored=self.on_stored,
                window=service.CaptureWindow(
                    self.settings.ingest.capture_days_back, self.settings.ingest.capture_minutes_ahead
                ),
            )
        self.stored += len(result.stored_ids)


def process_file(
    path: Path, recognizer: PlateRecognizer, sink: ReadSink, every: int, start: dt.datetime | None = None
) -> int:
    from plateguard.ingest.media import IMAGE_SUFFIXES, VIDEO_SUFFIXES, image_reads, video_reads

    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        reads = image_reads(path, recognizer)
        sink.put(reads)
        return len(reads)
    if suffix in VIDEO_SUFFIXES:
        marker = sink.marker(path)
        if marker.exists():  # this camera's reads of this very file are stored: no second recognition
            logger.info("%s was ingested for %r before: skipped", path.name, sink.camera_name)
            return 0
        count = 0
        for read in video_reads(path, recognizer, every=every, start=start):
            sink.put([read])
            count += 1
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{count} reads\n")
        return count
    raise InvalidInput(f"{path}: not an image (.jpg, .png) or video (.mp4, .avi, ...) file", field="path")


@friendly_errors
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Image and video files.")],
    camera: CameraOption,
    every: EveryOption = 3,
    queue: Annotated[bool, typer.Option("--queue", help="Queue for `plateguard forward` instead.")] = False,
    start: Annotated[
        str | None,
        typer.Option(
            help="When a video's first frame was taken (ISO 8601, with offset); else its name or file time."
        ),
    ] = None,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Read plates in image and video files (one read per vehicle pass in video) and store them."""
    from plateguard.ingest.recognition import load_recognizer

    settings = settings_from(config, data_dir)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise PlateguardError(f"no such file: {', '.join(missing)}")
    sink = ReadSink(settings, camera, queue=queue)
    recognizer = load_recognizer(settings)
    with Progress() as progress:
        task = progress.add_task("Reading plates", total=len(paths))
        for path in paths:
            process_file(path, recognizer, sink, every, _start_time(start))
            progress.advance(task)
    typer.echo(f"{sink.stored} new reads from {len(paths)} files for {camera!r}.")


def _start_time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--start: {text!r} is not an ISO 8601 time", field="start") from None
    if moment.tzinfo is None:
        raise InvalidInput("--start: give the offset too, e.g. 2026-11-29T08:15:00-08:00", field="start")
    return moment


MAX_WATCHED_FILE_BYTES = 2 * 1024**3  # a dashcam hour at high bitrate; larger files are set aside
DATABASE_RETRY_SECONDS = (1.0, 60.0)  # first wait after a database error, and the longest


class WatchStopped(PlateguardError):
    """The watcher cannot go on safely (the folder is gone, or a finished file cannot be moved)."""


def watch_folder(
    folder: Path,
    recognizer: PlateRecognizer,
    sink: ReadSink,
    stop: threading.Event,
    *,
    every: int = 3,
    poll: float = 2.0,
    max_file_bytes: int = MAX_WATCHED_FILE_BYTES,
) -> None:
    """Process files a camera drops into ``folder``; move each to processed/ or rejected/ when done.

    It outlives anything one file or the database can do: a bad or too-large file is logged and set
    aside in rejected/, a database error is logged and the file retried with a growing wait. It stops
    only on a condition it logs: the folder itself is gone, or a finished file cannot be moved away
    (going on would store that file's reads again and again).
    """
    done, rejected = folder / "processed", folder / "rejected"
    done.mkdir(exist_ok=True)
    rejected.mkdir(exist_ok=True)
    wait = DATABASE_RETRY_SECONDS[0]
    while not stop.is_set():
        try:
            waiting = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        except OSError as exc:
            logger.error("watched folder %s cannot be read (%s); stopping", folder, exc.strerror)
            raise WatchStopped(f"watched folder {folder} cannot be read: {exc.strerror}") from exc
        for path in waiting:
            if stop.is_set():
                break
            if not _handle_file(path, recognizer, sink, every, max_file_bytes, done, rejected):
                stop.wait(wait)  # the database is away: wait, then try the same file again
                wait = min(wait * 2, DATABASE_RETRY_SECONDS[1])
                break
            wait = DATABASE_RETRY_SECONDS[0]
        stop.wait(poll)


def _handle_file(
    path: Path,
    recognizer: PlateRecognizer,
    sink: ReadSink,
    every: int,
    max_file_bytes: int,
    done: Path,
    rejected: Path,
) -> bool:
    """Process one dropped file; False when the database failed and the file should be retried."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        size = path.stat().st_size
        if time.time() - path.stat().st_mtime < 1:  # still being written
            return True
        if size > max_file_bytes:
            raise InvalidInput(f"{path}: {size} bytes, more than the {max_file_bytes} a file may have")
        process_file(path, recognizer, sink, every)
        target = done
    except FileNotFoundError:
        return True  # taken away meanwhile
    except InvalidInput as exc:
        logger.warning("%s; set aside in %s", exc.message, rejected)
        target = rejected
    except (SQLAlchemyError, PlateguardError) as exc:
        logger.error("database error on %s (%s); will retry", path, exc)
        return False
    except Exception:  # a decoder crash on one odd file must not end the watcher
        logger.exception("unexpected error on %s; set aside in %s", path, rejected)
        target = rejected
    _move(path, target)
    return True


def _move(path: Path, folder: Path) -> None:
    try:
        shutil.move(str(path), folder / path.name)
    except OSError as exc:
        logger.error("cannot move %s to %s (%s); stopping", path, folder, exc.strerror)
        raise WatchStopped(f"cannot move {path} to {folder}: {exc.strerror}") from exc


def watch_stream(
    url: str, recognizer: PlateRecognizer, sink: ReadSink, stop: threading.Event, *, every: int = 3
) -> None:
    """Read an RTSP/HTTP stream; when it drops, reconnect with back-off (1 s doubling to 60 s)."""
    import cv2

    from plateguard.ingest.media import backoff_delays, pass_to_read, video_passes

    delays = backoff_delays()
    while not stop.is_set():
        capture = cv2.VideoCapture(url)
        if capture.isOpened():
            delays = backoff_delays()
            start = dt.datetime.now(dt.UTC)
            for vehicle_pass, frame in video_passes(capture, recognizer, start=start, every=every):
                sink.put([pass_to_read(vehicle_pass, f"{url}:{start.isoformat()}", frame)])
                if stop.is_set():
                    break
        capture.release()
        delay = next(delays)
        logger.warning("stream %s dropped or unreachable; reconnecting in %.0f s", url, delay)
        stop.wait(delay)


@friendly_errors
def watch_command(
    source: Annotated[
        str, typer.Argument(help="A folder the camera drops files into, or an rtsp:// or http:// URL.")
    ],
    camera: CameraOption,
    every: EveryOption = 3,
    queue: Annotated[bool, typer.Option("--queue", help="Queue for `plateguard forward` instead.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Watch a folder or a video stream and store one read per vehicle pass, until stopped."""
    from plateguard.ingest.cli import stop_on_signals
    from plateguard.ingest.recognition import load_recognizer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings_from(config, data_dir)
    sink = ReadSink(settings, camera, queue=queue)
    recognizer = load_recognizer(settings)
    stop = stop_on_signals()
    if "://" in source:
        watch_stream(source, recognizer, sink, stop, every=every)
    elif Path(source).is_dir():
        watch_folder(Path(source), recognizer, sink, stop, every=every)
    else:
        raise PlateguardError(f"{source} is neither a folder nor a stream URL")
