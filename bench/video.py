"""Frames per second of video ingest for 720p video on one core.

    python bench/video.py [--frames N] [--every K]

Writes a synthetic 1280x720 clip (a plate crossing the frame), then runs the video path of
``plateguard ingest`` (OpenCV decode, frame sampling, recognition, plate tracking and voting) pinned
to one CPU core. Uses the recognition engine when ``plateguard.recognition`` is installed; otherwise a
null recogniser, so the figure is then the decode-and-track ceiling, not the recognition speed. The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from plateguard.config import load_settings
from plateguard.errors import ConfigurationError
from plateguard.ingest.media import video_passes
from plateguard.ingest.recognition import PlateRecognizer, RecognizedPlate, load_recognizer


class NullRecognizer:
    def predict(self, image_bgr: np.ndarray) -> list[RecognizedPlate]:
        return []


def write_clip(path: Path, frames: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (1280, 720))
    rng = np.random.default_rng(460)
    background = rng.integers(0, 120, (720, 1280, 3), dtype=np.uint8)
    for index in range(frames):
        frame = background.copy()
        x = (index * 12) % 1100
        cv2.rectangle(frame, (x, 500), (x + 160, 540), (245, 245, 245), -1)
        cv2.putText(frame, "7ABC123", (x + 8, 532), cv2.FONT_HERSHEY_DUPLEX, 1.0, (110, 40, 20), 2)
        writer.write(frame)
    writer.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    recognizer: PlateRecognizer
    try:
        recognizer, engine = load_recognizer(load_settings()), True
    except ConfigurationError:
        recognizer, engine = NullRecognizer(), False
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.avi"
        write_clip(clip, args.frames)
        capture = cv2.VideoCapture(str(clip))
        started = time.perf_counter()
        passes = [
            p for p, _ in video_passes(capture, recognizer, start=dt.datetime.now(dt.UTC), every=args.every)
        ]
        elapsed = time.perf_counter() - started
        capture.release()
    fps = args.frames / elapsed
    print(f"{'engine':<8}{'frames':>8}{'every':>7}{'seconds':>9}{'frames/s':>10}{'passes':>8}")
    print(f"{engine!s:<8}{args.frames:>8}{args.every:>7}{elapsed:>9.2f}{fps:>10.1f}{len(passes):>8}")
    print(json.dumps({"resolution": "1280x720", "cores": 1, "engine": engine, "frames_per_s": round(fps, 1)}))


if __name__ == "__main__":
    main()
