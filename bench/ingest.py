"""Sustained batched ingest through the HTTP API: reads/s, latency percentiles, peak memory.

    python bench/ingest.py [--seconds S] [--database-url URL] [--batch N] [--clients N]
                           [--hotlist-entries N] [--on-stored module:factory]

Starts ``uvicorn`` in a subprocess on a fresh data directory, registers a camera and a device token,
loads a hotlist of N entries (100,000; one read in 500 is on it, so alerts are raised and logged), then
posts batches of reads (250 a batch by default) from several client threads for S seconds. Latency is
the time from
sending a batch to its acknowledgement, which the server sends only after the commit (and after the
per-read callback, i.e. hotlist matching, has run inside the same transaction). ``--on-stored``
names a factory ``(settings) -> callback``; the default is the one every ingest door uses.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_HOOK = "plateguard.ingest.hooks:read_stored_callback"


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from plateguard.config import load_settings
    from plateguard.main import create_app

    settings = load_settings(overrides={"data_dir": Path(args.data_dir), "database_url": args.database_url})
    app = create_app(settings)
    module, _, name = args.on_stored.partition(":")
    app.state.on_read_stored = getattr(importlib.import_module(module), name)(settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


def prepare(data_dir: Path, database_url: str | None, entries: int) -> tuple[str, str]:
    from plateguard import bootstrap
    from plateguard.access_log.service import Actor
    from plateguard.accounts import service as account_service
    from plateguard.cameras import service as camera_service
    from plateguard.cameras.models import CameraKind
    from plateguard.config import load_settings
    from plateguard.database import make_session_factory, transaction

    settings = load_settings(overrides={"data_dir": data_dir, "database_url": database_url})
    engine = bootstrap.prepare(settings)
    name = f"Bench camera {uuid.uuid4().hex[:6]}"
    with transaction(make_session_factory(engine)) as session:
        agency = account_service.ensure_home_agency(
            session=session, name="Bench PD", ori="CA0000000", state="CA"
        )
        bench = Actor.system("Bench PD", "bench")
        camera = camera_service.create(
            session=session, actor=bench, agency=agency, name=name, kind=CameraKind.FIXED
        )
        _, token = camera_service.issue_token(session=session, actor=bench, camera=camera)
        load_hotlist(session, entries)
    engine.dispose()
    return name, token


def load_hotlist(session: Session, entries: int) -> None:
    """A department list of ``entries`` plates; one read in HIT_EVERY is one of them."""
    from plateguard.access_log.service import Actor
    from plateguard.hotlists import service as hotlist_service
    from plateguard.hotlists.models import HotlistCategory, HotlistSource
    from plateguard.hotlists.parsed import ParsedEntry, ParsedFile

    actor = Actor.system("Bench PD", "bench")
    hotlist = hotlist_service.create(
        session=session, actor=actor, name="Bench list", source=HotlistSource.DEPARTMENT
    )
    parsed = ParsedFile(
        [ParsedEntry(f"9H{n:05d}", "CA", HotlistCategory.STOLEN_VEHICLE, "bench") for n in range(entries)]
    )
    hotlist_service.replace_entries(
        session=session, actor=actor, hotlist=hotlist, parsed=parsed, source_name="bench"
    )


HIT_EVERY = 500


def plate_for(n: int) -> str:
    return f"9H{n % 100000:05d}" if n % HIT_EVERY == 0 else f"7B{n % 100000:05d}"


def batch_body(size: int, now: str) -> bytes:
    reads = (
        f'{{"id":"{uuid.uuid4()}","plate":"{plate_for(n)}","confidence":0.91,"captured_at":"{now}",'
        f'"region":"us-ca","candidates":[{{"plate":"{plate_for(n)}","confidence":0.91}}]}}'
        for n in range(size)
    )
    return ('{"reads":[' + ",".join(reads) + "]}").encode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


MAX_RATE = 12_000  # reads/s the pre-built bodies are enough for


def prebuilt_bodies(size: int, seconds: float) -> queue.SimpleQueue[bytes]:
    """Request bodies built before the clock starts: cameras are other machines, not this one's CPU."""
    bodies: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    for _ in range(int(seconds * MAX_RATE / size) + 1):
        bodies.put(batch_body(size, now))
    return bodies


def client_loop(
    url: str,
    token: str,
    bodies: queue.SimpleQueue[bytes],
    until: float,
    latencies: list[float],
    counts: list[int],
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(timeout=60) as client:
        while time.monotonic() < until:
            try:
                body = bodies.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            response = client.post(f"{url}/api/v1/reads", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"server answered {response.status_code}: {response.text[:300]}")
            latencies.append(elapsed * 1000)
            counts.append(response.json()["stored"])


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("server exited during start-up")
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def private_schema(url: str) -> tuple[str, str]:
    """PostgreSQL: a throw-away schema, so the benchmark leaves the database as it found it."""
    from sqlalchemy import text

    from plateguard.database import make_engine

    schema = f"plateguard_bench_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return schema, f"{url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import text

    from plateguard.database import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def count_alerts(database_url: str) -> int:
    """Alerts raised during the run: the hotlist matching really happened."""
    from sqlalchemy import func, select

    from plateguard.access_log.guard import system_scope
    from plateguard.alerts.models import Alert
    from plateguard.database import make_engine, make_session_factory

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session, system_scope(session, "bench"):
        count = int(session.scalar(select(func.count()).select_from(Alert)) or 0)
    engine.dispose()
    return count


def run(args: argparse.Namespace) -> dict[str, object]:
    if args.database_url and args.database_url.startswith("postgresql"):
        schema, url = private_schema(args.database_url)
        try:
            return measure(args, url)
        finally:
            drop_schema(args.database_url, schema)
    return measure(args, None)


def measure(args: argparse.Namespace, database_url: str | None) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="plateguard-bench-"))
    _, token = prepare(data_dir, database_url, args.hotlist_entries)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, __file__, "--serve", "--data-dir", str(data_dir), "--port", str(port)]
    command += ["--on-stored", args.on_stored] + (["--database-url", database_url] if database_url else [])
    server = subprocess.Popen(command, env=os.environ.copy())
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        client_loop(url, token, prebuilt_bodies(args.batch, 2), time.monotonic() + 2, [], [])  # warm-up
        bodies = prebuilt_bodies(args.batch, args.seconds)
        latencies: list[float] = []
        counts: list[int] = []
        until = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(url, token, bodies, until, latencies, counts))
            for _ in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        rss = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: do not leave the server behind
            server.kill()
            server.wait()
    alerts = count_alerts(database_url or f"sqlite:///{data_dir / 'plateguard.sqlite3'}")
    ordered = sorted(latencies)
    return {
        "backend": "postgresql" if database_url else "sqlite",
        "reads_per_s": round(sum(counts) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "rss_mb": round(rss, 1),
        "_batches": len(ordered),
        "_alerts": alerts,
        "_reads": sum(counts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--hotlist-entries", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--on-stored", default=DEFAULT_HOOK)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    result = run(args)
    header = ("backend", "batch", "clients", "reads", "alerts", "reads/s", "p50 ms", "p99 ms", "peak RSS MB")
    print(f"{header[0]:<12}" + "".join(f"{name:>{len(name) + 3}}" for name in header[1:]))
    values = [args.batch, args.clients]
    values += [result[key] for key in ("_reads", "_alerts", "reads_per_s", "p50_ms", "p99_ms", "rss_mb")]
    print(
        f"{result['backend']!s:<12}"
        + "".join(f"{v!s:>{len(n) + 3}}" for n, v in zip(header[1:], values, strict=True))
    )
    print(json.dumps({key: value for key, value in result.items() if not key.startswith("_")}))


if __name__ == "__main__":
    main()
