"""Generate N synthetic plate reads straight into a plateguard database (SQLite or PostgreSQL).

The distribution follows a city's year: N/8 distinct vehicles, most seen a few times, commuters up
to a few hundred times (log-normal), 40 fixed cameras and 6 patrol units, reads spread over 365 days
with a day/night rhythm, positions a few metres from the camera (anywhere in town for patrol units),
mostly California plates.

    python bench/generate_reads.py --reads 1000000 [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

import plateguard
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import make_engine, make_session_factory, transaction, upgrade
from plateguard.reads.models import PlateRead
from plateguard.reads.partitions import create_month_partitions, months_between

CITY_CENTER = (37.7975, -121.2160)
CITY_SPAN_DEGREES = 0.08  # about 9 km across
FIXED_CAMERAS, PATROL_UNITS = 40, 6
DAYS = 365
CHUNK = 50_000
LETTERS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
COLOURS = ("white", "black", "silver", "grey", "blue", "red", "green")
TYPES = ("sedan", "suv", "pickup", "van", "truck", "motorcycle")
REGIONS = ("us-ca", "us-nv", "us-az", "us-or")
BENCH_ACTOR = Actor.system("Bench Police Department", "benchmark set-up")
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 7, 8, 6, 5, 5, 6, 6, 6, 7, 8, 8, 7, 5, 4, 3, 2, 1], dtype=float)


def ensure_cameras(session: Session, rng: np.random.Generator) -> list[Camera]:
    cameras = camera_service.list_(session=session)
    if len(cameras) >= FIXED_CAMERAS + PATROL_UNITS:
        return cameras
    agency = account_service.ensure_home_agency(
        session=session, name="Bench Police Department", ori="CA0399999", state="CA"
    )
    for index in range(FIXED_CAMERAS + PATROL_UNITS):
        lat, lon = CITY_CENTER + (rng.random(2) - 0.5) * CITY_SPAN_DEGREES
        camera_service.create(
            session=session,
            actor=BENCH_ACTOR,
            agency=agency,
            name=f"Bench camera {index:02d}",
            kind=CameraKind.FIXED if index < FIXED_CAMERAS else CameraKind.MOBILE,
            latitude=float(lat),
            longitude=float(lon),
        )
    return camera_service.list_(session=session)


def plate_pool(size: int, rng: np.random.Generator) -> np.ndarray:
    """California-style plates: a digit, three letters, three digits."""
    first = rng.integers(1, 10, size).astype(str)
    letters = LETTERS[rng.integers(0, len(LETTERS), (size, 3))]
    tail = np.char.zfill(rng.integers(0, 1000, size).astype(str), 3)
    return np.char.add(
        np.char.add(first, np.char.add(np.char.add(letters[:, 0], letters[:, 1]), letters[:, 2])), tail
    )


COLUMNS = (
    "id",
    "camera_id",
    "plate_text",
    "plate_normalized",
    "confidence",
    "candidates",
    "region",
    "region_confidence",
    "captured_at",
    "received_at",
    "latitude",
    "longitude",
    "vehicle",
)
VEHICLES = np.array([json.dumps({"color": c, "type": t}) for c in COLOURS for t in TYPES])


def _timestamps(seconds: np.ndarray, start: dt.datetime) -> list[str]:
    """UTC times as stored on both databases: 'YYYY-MM-DD HH:MM:SS+00:00'."""
    base = np.datetime64(start.replace(tzinfo=None), "s")
    text = np.datetime_as_string(base + seconds.astype("timedelta64[s]"), unit="s")
    return [value.replace("T", " ") + "+00:00" for value in text.tolist()]


def chunks(count: int, cameras: list[Camera], end: dt.datetime, seed: int) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in COLUMNS order, already in the form both databases store, ``CHUNK`` at a time."""
    rng = np.random.default_rng(seed)
    pool = plate_pool(max(1000, count // 8), rng)
    # How often each vehicle passes: most a few times a year, commuters up to a few hundred times.
    weights = np.minimum(rng.lognormal(0.0, 1.5, len(pool)), 100.0)
    weights /= weights.sum()
    positions = np.array([[c.latitude, c.longitude] for c in cameras])
    camera_ids = np.array([c.id for c in cameras])
    mobile = np.array([c.kind == CameraKind.MOBILE for c in cameras])
    hour_p = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
    start = end - dt.timedelta(days=DAYS)
    for offset in range(0, count, CHUNK):
        n = min(CHUNK, count - offset)
        plates = pool[rng.choice(len(pool), n, p=weights)].tolist()
        camera = rng.integers(0, len(cameras), n)
        jitter = rng.normal(0, 0.0002, (n, 2))
        spread = (rng.random((n, 2)) - 0.5) * CITY_SPAN_DEGREES
        where = np.round(positions[camera] + np.where(mobile[camera][:, None], spread, jitter), 6)
        day = rng.integers(0, DAYS, n) * 86400
        seconds = np.sort(day + rng.choice(24, n, p=hour_p) * 3600 + rng.integers(0, 3600, n))
        region = np.array(REGIONS)[rng.choice(len(REGIONS), n, p=[0.94, 0.03, 0.02, 0.01])].tolist()
        vehicle = VEHICLES[rng.integers(0, len(VEHICLES), n)].tolist()
        ids = [uuid.UUID(bytes=rng.bytes(16)).hex for _ in range(n)]
        captured, received = _timestamps(seconds, start), _timestamps(seconds + 2, start)
        yield list(
            zip(
                ids,
                camera_ids[camera].tolist(),
                plates,
                plates,
                np.round(rng.uniform(0.8, 0.99, n), 3).tolist(),
                ["[]"] * n,
                region,
                [0.9] * n,
                captured,
                received,
                where[:, 0].tolist(),
                where[:, 1].tolist(),
                vehicle,
                strict=True,
            )
        )


Rows = list[tuple[Any, ...]]
Decorate = Callable[[Engine, Rows], Rows]  # adds values for extra columns to a chunk (bench/purge.py)


def insert_sqlite(engine: Engine, rows: Rows, columns: Sequence[str] = COLUMNS) -> None:
    sql = f"INSERT INTO plate_read ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA cache_size=-500000")  # 500 MB: the primary key is random
        connection.exec_driver_sql(sql, rows)


def insert_postgresql(engine: Engine, rows: Rows, columns: Sequence[str] = COLUMNS) -> None:
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY plate_read ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _migration_0005() -> Any:
    path = Path(plateguard.__file__).parent / "migrations" / "versions" / "0005_search_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def bulk_load(engine: Engine) -> Iterator[None]:
    """Drop the secondary indexes (and SQLite's FTS triggers) for the load; rebuild them in bulk after."""
    indexes = list(PlateRead.__table__.indexes)  # type: ignore[attr-defined]
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
        if sqlite:
            for trigger in ("insert", "delete", "update"):
                connection.exec_driver_sql(f"DROP TRIGGER plate_read_fts_{trigger}")
        else:
            connection.exec_driver_sql("DROP INDEX ix_plate_read_plate_trgm")
    yield
    with engine.begin() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA cache_size=-1000000")
        for index in indexes:
            index.create(connection)
        if sqlite:
            for statement in _migration_0005().SQLITE_FTS[1:]:
                connection.exec_driver_sql(statement)
        else:
            connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            connection.exec_driver_sql(
                "CREATE INDEX ix_plate_read_plate_trgm ON plate_read "
                "USING gin (plate_normalized gin_trgm_ops)"
            )


def generate(
    engine: Engine,
    count: int,
    *,
    seed: int = 460,
    end: dt.datetime | None = None,
    extra_columns: tuple[str, ...] = (),
    decorate: Decorate | None = None,
) -> int:
    """Add ``count`` reads ending at ``end`` (default: now); returns how many the table holds.

    ``decorate`` receives each chunk before it is inserted and returns it with values for
    ``extra_columns`` appended to each row."""
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        cameras = ensure_cameras(session, np.random.default_rng(seed))
    end = end or dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=10)
    insert = insert_postgresql if engine.dialect.name == "postgresql" else insert_sqlite
    if engine.dialect.name == "postgresql":  # the monthly partitions the year of reads falls in
        with engine.begin() as connection:
            create_month_partitions(connection, months_between(end - dt.timedelta(days=DAYS + 1), end))
    with Progress() as progress, bulk_load(engine):
        task = progress.add_task(f"generating {count:,} reads", total=count)
        for rows in chunks(count, cameras, end, seed):
            insert(engine, decorate(engine, rows) if decorate else rows, COLUMNS + extra_columns)
            progress.advance(task, len(rows))
        progress.update(task, description="rebuilding indexes")
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    with transaction(factory) as session, system_scope(session, "benchmark"):
        return int(session.scalar(select(func.count()).select_from(PlateRead)) or 0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=460)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    total = generate(make_engine(args.database_url), args.reads, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {"reads": total, "seconds": round(elapsed, 1), "reads_per_second": round(args.reads / elapsed)}
        )
    )


if __name__ == "__main__":
    main()
