"""A bounded soak: steady ingest through the HTTP API while an investigator searches and a hot file is
imported again and again; the server's memory is sampled every second.

    python bench/soak.py [--seconds S] [--database-url URL] [--reads-per-second R] [--hotlist-entries N]

A real server (``bench/ingest.py --serve``) on a fresh data directory; one client posts batches of 25 reads
at R reads a second and times each acknowledgement; one signed-in investigator runs a partial-plate search
(purpose and case number given, so each one is an access record) every half second; every 10 s
(``--import-every``) ``plateguard hotlist import`` replaces a list of N entries with a file that changed 2 %
of them (as a state hot file does from one day to the next). Memory is flat when the
server's resident size over the last quarter of the run is within a few MB of the second quarter.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import ingest as ingest_bench

INVESTIGATOR, PASSWORD = "det.soak", "soak-partial-plate-canvass-7"
BATCH = 25
LIST_NAME = "Bench list"
CHANGED_PER_IMPORT = 2  # percent of the entries a new hot file changes


def add_investigator(data_dir: Path, database_url: str | None) -> None:
    from plateguard.accounts import service as account_service
    from plateguard.accounts import training
    from plateguard.accounts.roles import Role
    from plateguard.config import load_settings
    from plateguard.database import make_engine, make_session_factory, transaction

    settings = load_settings(overrides={"data_dir": data_dir, "database_url": database_url})
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        agency = account_service.get_home_agency(session=session)
        assert agency is not None
        user = account_service.create_user(
            session=session,
            security=settings.security,
            agency=agency,
            username=INVESTIGATOR,
            full_name="Det. Soak",
            password=PASSWORD,
            roles={Role.INVESTIGATOR},
        )
        today = settings.agency.today()
        for course in training.courses(session=session):
            training.record_completion(
                session=session,
                user=user,
                course=course,
                completed_on=today - dt.timedelta(days=1),
                recorded_by=user,
                today=today,
                notes="soak test set-up",
            )
    engine.dispose()


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


class Load:
    def __init__(self, url: str, token: str, until: float) -> None:
        self.url, self.token, self.until = url, token, until
        self.ingest_ms: list[float] = []
        self.search_ms: list[float] = []
        self.imports = 0
        self.errors: list[str] = []
        self.reads = 0
        self.import_every = 10.0

    def ingest(self, rate: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        every = BATCH / rate
        with httpx.Client(timeout=60) as client:
            n = 0
            while time.monotonic() < self.until:
                began = time.monotonic()
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
                body = ingest_bench.batch_body(BATCH, now)
                sent = time.perf_counter()
                answer = client.post(f"{self.url}/api/v1/reads", content=body, headers=headers)
                self._record(answer, "ingest", self.ingest_ms, sent)
                if answer.status_code == 200:
                    self.reads += answer.json()["stored"]
                n += 1
                time.sleep(max(0.0, every - (time.monotonic() - began)))

    def search(self) -> None:
        with httpx.Client(timeout=60, base_url=self.url) as client:
            token = csrf_of(client.get("/login").text)
            form = {"username": INVESTIGATOR, "password": PASSWORD, "next": "/", "csrf_token": token}
            client.post("/login", data=form)
            client.headers["X-CSRF-Token"] = csrf_of(client.get("/").text)
            body = {"purpose": "Criminal investigation", "case_number": "26-009001", "detail": "soak"}
            while time.monotonic() < self.until:
                sent = time.perf_counter()
                query = {"plate": f"7B{uuid.uuid4().int % 1000:03d}", "match": "partial"}
                answer = client.post("/api/reads/search", json={**body, "query": query})
                self._record(answer, "search", self.search_ms, sent)
                time.sleep(0.5)

    def import_again(self, data_dir: Path, database_url: str | None, entries: int) -> None:
        hot_file = data_dir.parent / "soak-hotlist.csv"
        plates = [f"9H{n:05d}" for n in range(entries)]  # the list bench/ingest.py loaded
        while time.monotonic() < self.until - 5:
            for _ in range(max(1, entries * CHANGED_PER_IMPORT // 100)):  # as a state file changes daily
                plates[random.randrange(entries)] = f"9{uuid.uuid4().hex[:6].upper()}"
            rows = "".join(f"{plate},CA,Stolen vehicle\n" for plate in plates)
            hot_file.write_text("plate,state,reason\n" + rows)
            command = [
                sys.executable,
                "-m",
                "plateguard",
                "hotlist",
                "import",
                str(hot_file),
                "--list",
                LIST_NAME,
            ]
            command += ["--format", "csv", "--category", "stolen_vehicle", "--confirm-shrink"]
            command += ["--data-dir", str(data_dir)]
            env = {
                "PATH": "/usr/bin:/bin",
                **({"PLATEGUARD_DATABASE_URL": database_url} if database_url else {}),
            }
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                self.errors.append(f"import: {done.stderr.strip()[-300:]}")
            self.imports += 1
            time.sleep(max(0.0, min(self.import_every, self.until - 5 - time.monotonic())))

    def _record(self, answer: httpx.Response, what: str, into: list[float], sent: float) -> None:
        into.append((time.perf_counter() - sent) * 1000)
        if answer.status_code != 200:
            self.errors.append(f"{what}: {answer.status_code} {answer.text[:200]}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def measure(args: argparse.Namespace, database_url: str | None) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="plateguard-soak-")) / "data"
    _, token = ingest_bench.prepare(data_dir, database_url, args.hotlist_entries)
    add_investigator(data_dir, database_url)
    port = _free_port()
    command = [
        sys.executable,
        ingest_bench.__file__,
        "--serve",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]
    command += ["--on-stored", ingest_bench.DEFAULT_HOOK] + (
        ["--database-url", database_url] if database_url else []
    )
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{port}"
    samples: list[float] = []
    try:
        ingest_bench.wait_until_up(url, server)
        load = Load(url, token, time.monotonic() + args.seconds)
        load.import_every = args.import_every
        workers = [
            threading.Thread(target=load.ingest, args=(args.reads_per_second,)),
            threading.Thread(target=load.search),
        ]
        if args.import_every > 0:
            importer = threading.Thread(
                target=load.import_again, args=(data_dir, database_url, args.hotlist_entries)
            )
            workers.append(importer)
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            samples.append(rss_mb(server.pid))
            time.sleep(1)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    quarter = max(1, len(samples) // 4)
    warm, last = samples[quarter : 2 * quarter], samples[-quarter:]
    return {
        "backend": "postgresql" if database_url else "sqlite",
        "seconds": args.seconds,
        "reads": load.reads,
        "ingest_p50_ms": round(statistics.median(load.ingest_ms), 1) if load.ingest_ms else 0.0,
        "ingest_p99_ms": round(p99(load.ingest_ms), 1),
        "searches": len(load.search_ms),
        "search_p99_ms": round(p99(load.search_ms), 1),
        "imports": load.imports,
        "errors": len(load.errors),
        "rss_warm_mb": round(statistics.mean(warm), 1) if warm else 0.0,
        "rss_end_mb": round(statistics.mean(last), 1) if last else 0.0,
        "rss_growth_mb": round(statistics.mean(last) - statistics.mean(warm), 1) if warm and last else 0.0,
        "_first_errors": load.errors[:3],
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reads-per-second", type=float, default=500)
    parser.add_argument("--hotlist-entries", type=int, default=20_000)
    parser.add_argument("--import-every", type=float, default=10, help="seconds between imports; 0: none")
    args = parser.parse_args()
    if args.database_url and args.database_url.startswith("postgresql"):
        schema, url = ingest_bench.private_schema(args.database_url)
        try:
            figures = measure(args, url)
        finally:
            ingest_bench.drop_schema(args.database_url, schema)
    else:
        figures = measure(args, None)
    print(f"{'figure':<16} value")
    for key, value in figures.items():
        if not key.startswith("_"):
            print(f"{key:<16} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
