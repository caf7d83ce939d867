"""Refreshing a hotlist from an http(s) URL, against a real HTTP server on this machine: a good file, a
packed one, a missing one, a download cut off half-way and one past the size cap."""

from __future__ import annotations

import datetime as dt
import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from plateguard.errors import InvalidInput
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from tests.hotlists.test_service import ACTOR, GOOD_CLEW

NOW = dt.datetime(2026, 11, 6, tzinfo=dt.UTC)
FILES: dict[str, bytes] = {
    "/svs.tbl": GOOD_CLEW,
    "/svs.tbl.gz": gzip.compress(GOOD_CLEW),
    "/64.bin": b"x" * 64,
    "/65.bin": b"x" * 65,
}


class HotFileServer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/silent.tbl":  # answers nothing until the client gives up
            time.sleep(2)
            return
        if self.path == "/cut-at-64.bin":  # 64 bytes of the 100 announced
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x" * 64)
            self.close_connection = True
            return
        if self.path == "/cut.tbl":  # promises more than it sends, then hangs up
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD_CLEW) * 10))
            self.end_headers()
            self.wfile.write(GOOD_CLEW)
            self.close_connection = True
            return
        body = FILES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HotFileServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def factory(db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


def refresh_from(db: Session, factory: sessionmaker[Session], *locations: str) -> list[str]:
    for number, location in enumerate(locations):
        hotlist_service.create(
            session=db,
            actor=ACTOR,
            name=f"List {number}",
            source=HotlistSource.STATE,
            file_format="clew",
            refresh_path=location,
            max_age_hours=720,
        )
    return refresh.refresh_all(factory=factory, organisation="Test PD", now=NOW)


def test_a_list_is_refreshed_from_a_url_plain_or_gzip(
    db: Session, factory: sessionmaker[Session], server: str
) -> None:
    lines = refresh_from(db, factory, f"{server}/svs.tbl", f"{server}/svs.tbl.gz")
    assert lines == ["List 0: 2 entries loaded (0 skipped)", "List 1: 2 entries loaded (0 skipped)"]
    assert refresh.open_notices(session=db) == []


def test_a_missing_file_or_a_download_cut_off_fails_that_list_only(
    db: Session, factory: sessionmaker[Session], server: str
) -> None:
    lines = refresh_from(db, factory, f"{server}/gone.tbl", f"{server}/cut.tbl", f"{server}/svs.tbl")
    assert lines[0] == "List 0: refresh FAILED: HTTP Error 404: Not Found"
    announced = len(GOOD_CLEW) * 10
    assert lines[1] == (
        f"List 1: refresh FAILED: cannot download {server}/cut.tbl: the connection closed after "
        f"{len(GOOD_CLEW)} of the {announced} bytes announced"
    )  # a file cut between two lines would otherwise load as a shorter list
    assert "List 2: 2 entries loaded (0 skipped)" in lines
    failed = sorted((n.kind, n.message.split(":")[0]) for n in refresh.open_notices(session=db))
    assert failed == [
        ("refresh_failed", "List 0"),
        ("refresh_failed", "List 1"),
        ("stale", "List 0"),
        ("stale", "List 1"),
    ]


def test_a_download_past_the_cap_is_refused_and_one_at_the_cap_is_read_whole(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "MAX_DOWNLOAD_BYTES", 64)
    assert refresh.read_source(f"{server}/64.bin") == b"x" * 64
    with pytest.raises(InvalidInput) as refused:
        refresh.read_source(f"{server}/65.bin")
    assert refused.value.field == "file" and "larger than 64 bytes" in refused.value.message


def test_a_local_file_past_the_cap_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refresh, "MAX_DOWNLOAD_BYTES", 64)
    path = tmp_path / "big.tbl"
    path.write_bytes(b"x" * 65)
    with pytest.raises(InvalidInput) as refused:
        refresh.read_source(str(path))
    assert refused.value.field == "file" and "larger than 64 bytes" in refused.value.message


def test_a_download_cut_off_exactly_at_the_cap_is_still_a_cut_download(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "MAX_DOWNLOAD_BYTES", 64)
    with pytest.raises(InvalidInput) as refused:
        refresh.read_source(f"{server}/cut-at-64.bin")
    assert refused.value.field == "file"
    assert refused.value.message.endswith("the connection closed after 64 of the 100 bytes announced")


def test_a_server_that_stops_answering_fails_the_refresh_instead_of_hanging_it(
    db: Session, factory: sessionmaker[Session], server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh, "DOWNLOAD_TIMEOUT_SECONDS", 0.3)
    started = time.monotonic()
    [line, _stale] = refresh_from(db, factory, f"{server}/silent.tbl")
    assert line.startswith("List 0: refresh FAILED: ") and "timed out" in line
    assert time.monotonic() - started < 1.5


def test_an_https_location_is_fetched_not_read_as_a_file(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(OSError, match="urlopen error"):  # a TLS handshake with a plain HTTP server
        refresh.read_source(f"https://127.0.0.1:{port}/svs.tbl")


def test_a_malformed_url_is_an_error_naming_the_file_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        refresh.read_source("http://[::1/svs.tbl")
    assert refused.value.field == "file"
    assert refused.value.message == "cannot download http://[::1/svs.tbl: Invalid IPv6 URL"
