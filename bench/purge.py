"""Purge N expired reads with their images while ingest runs: time, ingest latency during it, orphans.

    python bench/purge.py [--reads N] [--database-url URL] [--ingest-per-second R]

Generates N reads (bench/generate_reads.py) captured 400-765 days ago, each with its own image file and
row (written straight into the folder and the tables: the set-up is not timed), approves a one-year
schedule, then runs the purge while a thread stores a read with an image
through the ingest service R times a second. Ingest latency is one read's whole transaction (what a
camera waits for). Afterwards ``files.check`` counts orphan files and rows without files. On
PostgreSQL whole expired monthly partitions are dropped. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).parent))

from generate_reads import generate

from plateguard.access_log.service import Actor
from plateguard.cameras.models import Camera
from plateguard.config import load_settings, write_secrets
from plateguard.database import make_engine, make_session_factory, transaction, utcnow
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.schemas import Candidate
from plateguard.retention import files
from plateguard.retention import purge as reads_purge
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind
from plateguard.retention.schemas import ScheduleCreate

PNG = b"\x89PNG\r\n\x1a\n"


class ImageWriter:
    """Gives each generated read its own image: the file written straight into the image folder and its
    ``stored_image`` row inserted before the chunk of reads that points at it (the set-up is not what is
    measured, so it skips ingest)."""

    def __init__(self, images_dir: Path) -> None:
        self.images_dir, self.folders, self.count = images_dir, set[str](), 0

    def __call__(self, engine: Engine, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        images, decorated = [], []
        for row in rows:
            data = PNG + bytes.fromhex(row[0]) * 8
            sha = hashlib.sha256(data).hexdigest()
            self._write(sha, data)
            images.append((sha, len(data)))
            decorated.append((*row, sha))
        _image_rows(engine, images)
        self.count += len(rows)
        return decorated

    def _write(self, sha: str, data: bytes) -> None:
        folder = os.path.join(self.images_dir, sha[:2], sha[2:4])
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        descriptor = os.open(os.path.join(folder, sha), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(descriptor, data)
        os.close(descriptor)


def _image_rows(engine: Engine, images: list[tuple[str, int]]) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            columns = "sha256, content_type, width, height, size_bytes, created_at"
            with cursor.copy(f"COPY stored_image ({columns}) FROM STDIN") as copy:
                for sha, size in images:
                    copy.write_row((sha, "image/png", 48, 24, size, "2025-01-01 00:00:00+00"))
            return
        now = utcnow().isoformat(sep=" ")
        connection.exec_driver_sql(
            "INSERT INTO stored_image (sha256, content_type, width, height, size_bytes, created_at) "
            "VALUES (?, 'image/png', 48, 24, ?, ?)",
            [(sha, size, now) for sha, size in images],
        )


def approve_one_year(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        custodian = Actor("custodian", "Records Custodian", "Bench PD", "Records Custodian")
        administrator = Actor("lieutenant", "ALPR Administrator", "Bench PD", "ALPR Administrator")
        form = ScheduleCreate(data_kind=DataKind.READS, days=365)
        schedule = schedules.propose(session=session, actor=custodian, form=form)
        schedules.decide(session=session, actor=administrator, schedule_id=schedule.id, approve=True)


class Ingest(threading.Thread):
    """Stores one read with an image ``rate`` times a second; keeps each transaction's latency."""

    def __init__(self, factory: sessionmaker[Session], images_dir: Path, rate: float) -> None:
        super().__init__(daemon=True)
        self.factory, self.images_dir, self.rate = factory, images_dir, rate
        self.latencies: list[float] = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        rng = np.random.default_rng(7)
        with transaction(self.factory) as session:
            camera_id = session.scalars(select(Camera.id)).first()
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                self._store_one(camera_id, rng)
                self.latencies.append((time.perf_counter() - began) * 1000)
            except Exception:
                self.errors += 1
            self.stop.wait(max(0.0, 1 / self.rate - (time.perf_counter() - began)))

    def _store_one(self, camera_id: int | None, rng: np.random.Generator) -> None:
        import cv2

        pixels = rng.integers(0, 255, size=(24, 48, 3), dtype=np.uint8)
        image = bytes(cv2.imencode(".png", pixels)[1])
        read = ReadSubmission(
            plate="7BEN123",
            confidence=0.9,
            candidates=[Candidate(plate="7BEN123", confidence=0.9)],
            captured_at=utcnow(),
            plate_image=base64.b64encode(image),
        )
        with transaction(self.factory) as session:
            camera = session.get(Camera, camera_id)
            assert camera is not None
            ingest_service.store_read(session=session, camera=camera, read=read, images_dir=self.images_dir)


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share)) if values else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--ingest-per-second", type=float, default=20.0)
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="plateguard-bench-purge-"))
    write_secrets(data_dir)
    settings = load_settings(overrides={"data_dir": data_dir, "database_url": args.database_url})
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    began = time.perf_counter()
    writer = ImageWriter(settings.images_dir)
    end = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    generate(engine, args.reads, end=end, extra_columns=("plate_image_sha256",), decorate=writer)
    images = writer.count
    setup = {"setup_seconds": round(time.perf_counter() - began, 1)}
    approve_one_year(factory)

    ingest = Ingest(factory, settings.images_dir, args.ingest_per_second)
    ingest.start()
    time.sleep(2)
    before = list(ingest.latencies)
    started = time.perf_counter()
    run = reads_purge.PurgeRun(
        factory,
        settings.images_dir,
        "benchmark",
        batch_size=settings.retention.purge_batch_size,
        pause_seconds=settings.retention.purge_pause_seconds,
    )
    report = reads_purge.purge_reads(run)
    seconds = time.perf_counter() - started
    during = ingest.latencies[len(before) :]
    ingest.stop.set()
    ingest.join()
    check = files.check(factory, settings.images_dir)
    result = {
        "database": engine.dialect.name,
        "reads": args.reads,
        "images": images,
        "purged": report.deleted,
        "files_removed": report.files,
        "partitions_dropped": len(report.partitions),
        "seconds": round(seconds, 1),
        "reads_per_second": round(report.deleted / seconds) if seconds else 0,
        "batches": len(report.batch_ms),
        "batch_p50_ms": round(percentile(report.batch_ms, 50), 1),
        "batch_p99_ms": round(percentile(report.batch_ms, 99), 1),
        "batch_max_ms": round(max(report.batch_ms, default=0.0), 1),
        "batches_interrupted": report.interrupted,
        "ingest_reads_during": len(during),
        "ingest_errors": ingest.errors,
        "ingest_p50_ms_during": round(percentile(during, 50), 1),
        "ingest_p99_ms_during": round(percentile(during, 99), 1),
        "ingest_max_ms_during": round(max(during, default=0.0), 1),
        "ingest_p99_ms_before": round(percentile(before, 99), 1),
        "orphans": len(check.orphan_files) + len(check.missing_files),
        **setup,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    width = max(len(key) for key in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
