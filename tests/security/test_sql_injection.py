"""sqlmap on loopback against every parameter of the searches (reads, timeline, vehicles seen near, the
access log), signed in as a user holding every role: boolean-blind, error-based and UNION injection are
tried on each parameter and none is found injectable."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.conftest import skip_or_fail
from tests.security.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow
WHY = {"purpose": "Criminal investigation", "case_number": "26-004711", "detail": "burglary series"}
TARGETS = {
    "reads search": (
        "/reads/search",
        {
            "plate": "7ABC1",
            "match": "partial",
            "region": "us-ca",
            "camera_group": "Main St",
            "vehicle_color": "silver",
            "vehicle_type": "sedan",
            "since": "2026-11-01T00:00",
            "until": "2026-11-29T00:00",
            "address": "100 N Main St",
            "radius_m": "500",
            "page": "0",
            **WHY,
        },
    ),
    "timeline": ("/reads/timeline", {"plate": "8DEM711", **WHY}),
    "seen near": ("/reads/seen-near", {"read_id": "00000000-0000-0000-0000-000000000001", **WHY}),
    "access log": (
        "/audit/access-log",
        {"username": "detective", "action": "reads.search", "text": "7ABC", "case_number": "26-004711"},
    ),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("sqlmap") / "data") as running:
        yield running


def sqlmap_command() -> list[str]:
    installed = Path(sys.executable).parent / "sqlmap"
    if installed.exists():
        return [str(installed)]
    if shutil.which("sqlmap"):
        return ["sqlmap"]
    skip_or_fail("sqlmap is not installed (it comes with the test extras)")
    return []


def run_sqlmap(url: str, params: list[str], cookie: str, output_dir: Path) -> str:
    command = [*sqlmap_command(), "-u", url, "-p", ",".join(params), "--batch", "--level=1", "--risk=1"]
    command += ["--technique=BEU", "--flush-session", "--disable-coloring", f"--output-dir={output_dir}"]
    command += ["--cookie", cookie] if cookie else []
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    return done.stdout + done.stderr


def injection_found(output: str) -> bool:
    # sqlmap's verdict lines ("appears to be ... injectable" mid-run is a hypothesis it then tests).
    return bool(re.search(r"parameter '\w+' is vulnerable|identified the following injection point", output))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_no_search_parameter_is_injectable(server: LiveServer, target: str, tmp_path: Path) -> None:
    path, params = TARGETS[target]
    cookie = "; ".join(f"{c.name}={c.value}" for c in server.web.cookies)
    output = run_sqlmap(f"{server.base_url}{path}?{urlencode(params)}", list(params), cookie, tmp_path)
    tested = set(re.findall(r"testing for SQL injection on GET parameter '(\w+)'", output))
    assert tested == set(params), f"sqlmap did not test {set(params) - tested}:\n{output[-3000:]}"
    assert "all tested parameters do not appear to be injectable" in output, output[-3000:]
    assert not injection_found(output), output[-3000:]
    assert "500 (Internal Server Error)" not in output  # no payload made the server fail


def test_the_scan_finds_an_injectable_parameter_when_there_is_one(tmp_path: Path) -> None:
    """The same scan against a deliberately vulnerable page (text pasted into SQL) reports it."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.execute("CREATE TABLE plate (text TEXT)")
    connection.executemany("INSERT INTO plate VALUES (?)", [("7ABC123",), ("8DEM711",)])

    async def vulnerable(request: Request) -> PlainTextResponse:
        query = f"SELECT text FROM plate WHERE text = '{request.query_params.get('plate', '')}'"
        try:
            rows = connection.execute(query).fetchall()
        except sqlite3.Error as exc:
            return PlainTextResponse(f"error: {exc}", status_code=500)
        return PlainTextResponse("\n".join(row[0] for row in rows))

    app = Starlette(routes=[Route("/plates", vulnerable)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        output = run_sqlmap(f"http://127.0.0.1:{port}/plates?plate=7ABC123", ["plate"], "", tmp_path)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert injection_found(output), output[-3000:]
