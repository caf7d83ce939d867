"""Search speed at scale: full plate, partial plate (30 days, a year) and a 1 km canvass over 4 hours.

Each query runs as the search service runs it (count + first page of 50) and again with its indexes
defeated (the same conditions on expressions no index covers): the ratio is the index's gain.

    python bench/search.py [--reads N] [--database-url URL]

Without --database-url an SQLite file under build/bench/ is used (and reused when it already holds N
reads). The last line is one JSON object with the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import ColumnElement, Engine, func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))

from generate_reads import generate

from plateguard.access_log.guard import system_scope
from plateguard.cameras.models import Camera, CameraKind
from plateguard.database import UTCDateTime, make_engine, upgrade
from plateguard.reads.models import PlateRead
from plateguard.reads.search import compiler
from plateguard.reads.search import service as search_service
from plateguard.reads.search.fuzzy import wildcard_to_like
from plateguard.reads.search.schemas import PlateMatch, SearchQuery

BUILD = Path(__file__).resolve().parents[1] / "build" / "bench"


def count_reads(session: Session) -> int:
    with system_scope(session, "benchmark"):
        return int(session.scalar(select(func.count()).select_from(PlateRead)) or 0)


def sample(session: Session, rng: random.Random, count: int) -> tuple[list[str], list[Camera], dt.datetime]:
    with system_scope(session, "benchmark"):
        newest = session.scalar(select(func.max(PlateRead.captured_at)))
        plates = []
        for _ in range(count):  # reads picked at random through the primary key
            pivot = uuid.UUID(int=rng.getrandbits(128))
            plate = session.scalar(
                select(PlateRead.plate_normalized)
                .where(PlateRead.id >= pivot)
                .order_by(PlateRead.id)
                .limit(1)
            )
            plates.append(plate or session.scalar(select(PlateRead.plate_normalized).limit(1)) or "")
    cameras = [c for c in session.scalars(select(Camera)) if c.kind == CameraKind.FIXED and c.latitude]
    assert newest is not None, "no reads"
    return plates, cameras, newest


def scan_conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    """The same search with every column behind an expression, so no index can serve it."""
    plate = func.coalesce(PlateRead.plate_normalized, "")
    at = func.coalesce(PlateRead.captured_at, PlateRead.captured_at, type_=UTCDateTime)
    where: list[ColumnElement[bool]] = []
    if query.plate:
        exact = query.match is PlateMatch.EXACT
        where.append(plate == query.plate if exact else plate.like(wildcard_to_like(query.plate)))
    if query.since:
        where.append(at >= query.since)
    if query.until:
        where.append(at < query.until)
    if query.radius:
        center = query.radius.center
        assert center is not None  # the schema refuses a radius without one
        lat, lon = center.latitude, center.longitude
        per_lon = compiler.METRES_PER_DEGREE_LONGITUDE * math.cos(math.radians(lat))
        dy = (PlateRead.latitude + 0 - lat) * compiler.METRES_PER_DEGREE_LATITUDE
        dx = (PlateRead.longitude + 0 - lon) * per_lon
        where.append(dx * dx + dy * dy <= query.radius.metres**2)
    return where


def run_indexed(session: Session, query: SearchQuery) -> int:
    with system_scope(session, "benchmark"):
        total, _rows, _ranks = search_service.execute(session, query)
    session.expunge_all()
    return total


def run_scan(session: Session, query: SearchQuery) -> int:
    where = scan_conditions(query)
    with system_scope(session, "benchmark"):
        total = session.scalar(select(func.count()).select_from(PlateRead).where(*where)) or 0
        session.execute(
            select(PlateRead.id).where(*where).order_by(PlateRead.captured_at.desc()).limit(50)
        ).all()
    return int(total)


def timed(function: Callable[[Session, SearchQuery], int], session: Session, query: SearchQuery) -> float:
    started = time.perf_counter()
    function(session, query)
    return (time.perf_counter() - started) * 1000


def partial_of(plate: str) -> str:
    return "".join("?" if index in (3, 6) else char for index, char in enumerate(plate))


def workloads(
    plates: list[str], cameras: list[Camera], newest: dt.datetime, rng: random.Random
) -> dict[str, Any]:
    month, year = newest - dt.timedelta(days=30), newest - dt.timedelta(days=365)

    def canvass(plate: str) -> SearchQuery:
        camera = rng.choice(cameras)
        start = year + dt.timedelta(seconds=rng.randint(0, 364 * 86400))
        center = {"latitude": camera.latitude, "longitude": camera.longitude}
        return SearchQuery.model_validate(
            {
                "since": start,
                "until": start + dt.timedelta(hours=4),
                "radius": {"center": center, "metres": 1000},
            }
        )

    return {
        "full": lambda p: SearchQuery(plate=p),
        "partial_30d": lambda p: SearchQuery(plate=partial_of(p), match=PlateMatch.PARTIAL, since=month),
        "partial_year": lambda p: SearchQuery(plate=partial_of(p), match=PlateMatch.PARTIAL, since=year),
        "canvass": canvass,
    }


def database_size_mb(engine: Engine) -> float:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # the table and its indexes, summed over the monthly partitions
            size = connection.execute(
                text("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('plate_read')")
            ).scalar()
            return float(size or 0) / 1e6
    # A checkpoint cannot run inside a transaction (SQLAlchemy's connections begin one): use the driver's.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
    path = engine.url.database or ""
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p)) / 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=15, help="indexed runs per query kind")
    parser.add_argument("--scan-repeat", type=int, default=3, help="table-scan runs per query kind")
    args = parser.parse_args(argv)
    BUILD.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{BUILD / f'reads-{args.reads}.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        present = count_reads(session)
    if present < args.reads:
        generate(engine, args.reads - present)
    rng = random.Random(7)
    console = Console(stderr=True)
    table = Table("query", "indexed median ms", "scan median ms", "ratio", "rows (last)")
    figures: dict[str, float] = {}
    ratios: dict[str, float] = {}
    with Session(engine) as session:
        reads = count_reads(session)
        plates, cameras, newest = sample(session, rng, args.repeat)
        for name, build in workloads(plates, cameras, newest, rng).items():
            queries = [build(p) for p in plates]
            run_indexed(session, queries[0])  # warm the cache
            indexed = statistics.median(timed(run_indexed, session, q) for q in queries)
            scan = statistics.median(timed(run_scan, session, q) for q in queries[: args.scan_repeat])
            rows = run_indexed(session, queries[-1])
            figures[f"{name}_ms"], ratios[name] = round(indexed, 2), round(scan / indexed, 1)
            table.add_row(name, f"{indexed:.1f}", f"{scan:.1f}", f"{scan / indexed:.1f}x", str(rows))
    console.print(table)
    size = database_size_mb(engine)
    result = {
        "backend": engine.dialect.name,
        "reads": reads,
        **figures,
        "scan_ratio": round(math.exp(statistics.mean(math.log(r) for r in ratios.values())), 1),
        "scan_ratios": ratios,
        "mb_per_million": round(size / (reads / 1e6), 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
