"""Hostile and broken hot files: a truncated download, archive bombs, giant CSV fields, and imports that
must not hold the database's write lock while they parse."""

from __future__ import annotations

import gzip
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.database import transaction
from plateguard.errors import InvalidInput
from plateguard.hotlists import formats, refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.cli import run_import
from plateguard.hotlists.models import HotlistEntry, HotlistNotice, HotlistSource
from plateguard.hotlists.parsed import HotFileError
from plateguard.main import create_app
from tests.conftest import TEST_PASSWORD, Trained, complete_training, prepared_data_dir, sign_in
from tests.hotlists.conftest import import_file, make_list, stolen
from tests.test_cli import init, run_cli

ACTOR = Actor.system("Test Police Department", "test")
HEADER_ONLY = b"DATE11/05/2026 06:00\r\nTOTAL RECORD 0000000\r\n"
SVS_PURPOSE = "Stolen vehicle or plate recovery"


def clew(*plates: str) -> bytes:
    rows = "".join(f"{plate} CA0120261030\r\n" for plate in plates)
    return f"DATE11/05/2026 06:00\r\n{rows}TOTAL RECORD {len(plates):07d}\r\n".encode()


def plates(db: Session, hotlist_id: int) -> list[str]:
    with system_scope(db, "test"):
        query = select(HotlistEntry.plate).where(HotlistEntry.hotlist_id == hotlist_id)
        return sorted(db.scalars(query))


def test_a_header_only_file_does_not_empty_the_list(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    (tmp_path / "full.tbl").write_bytes(clew("TEST201", "ZZS4202"))
    (tmp_path / "truncated.tbl").write_bytes(HEADER_ONLY)
    common = ("hotlist", "import", "--data-dir", str(data_dir), "--list", "CA DOJ SVS", "--format", "clew")
    from tests.hotlists.test_cli import make_list as make_cli_list

    make_cli_list(data_dir)
    assert run_cli(*common, str(tmp_path / "full.tbl"), cwd=tmp_path).returncode == 0
    refused = run_cli(*common, str(tmp_path / "truncated.tbl"), cwd=tmp_path)
    assert refused.returncode == 1
    assert "the file holds 0 entries and the list 2" in refused.stderr
    assert refused.stderr.count("\n") == 1  # one line, no traceback
    confirmed = run_cli(*common, "--confirm-shrink", str(tmp_path / "truncated.tbl"), cwd=tmp_path)
    assert confirmed.returncode == 0 and "0 entries loaded" in confirmed.stdout


@pytest.mark.parametrize(("new_count", "refused"), [(5, False), (4, True), (0, True), (12, False)])
def test_a_file_that_cuts_the_list_by_more_than_half_needs_confirmation(
    db: Session, new_count: int, refused: bool
) -> None:
    hotlist = make_list(db, "SVS", HotlistSource.STATE, *(stolen(f"OLD{n:04d}") for n in range(10)))
    data = clew(*(f"NEW{n:04d}" for n in range(new_count)))
    if refused:
        with pytest.raises(refresh.ShrinkRefused, match=f"holds {new_count} entries and the list 10"):
            import_file(
                session=db, actor=ACTOR, hotlist=hotlist, data=data, source_name="svs.tbl", file_format="clew"
            )
        assert len(plates(db, hotlist.id)) == 10
        report = import_file(
            session=db,
            actor=ACTOR,
            hotlist=hotlist,
            data=data,
            source_name="svs.tbl",
            file_format="clew",
            confirm_shrink=True,
        )
    else:
        report = import_file(
            session=db, actor=ACTOR, hotlist=hotlist, data=data, source_name="svs.tbl", file_format="clew"
        )
    assert report.entries == new_count


def test_a_scheduled_refresh_never_confirms_and_raises_the_stale_alarm(db: Session, tmp_path: Path) -> None:
    source = tmp_path / "svs.tbl"
    source.write_bytes(HEADER_ONLY)
    hotlist = make_list(db, "SVS", HotlistSource.STATE, stolen("TEST201"), stolen("ZZS4202"))
    hotlist.refresh_path, hotlist.file_format = str(source), "clew"
    db.flush()
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    lines = refresh.refresh_all(factory=factory, organisation="Test PD")
    assert any("SVS: refresh FAILED" in line and "holds 0 entries" in line for line in lines)
    assert plates(db, hotlist.id) == ["TEST201", "ZZS4202"]
    notices = list(db.scalars(select(HotlistNotice).where(HotlistNotice.hotlist_id == hotlist.id)))
    assert [notice.kind for notice in notices] == ["stale"]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data)


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("svs.tbl", data)
    return buffer.getvalue()


@pytest.mark.parametrize("pack", [_gzip, _zip])
def test_the_console_imports_gzip_and_zip_hot_files(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, trained: Trained, pack
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    hotlist = make_list(db, "SVS", HotlistSource.DEPARTMENT)
    csrf = sign_in(client, "lt.alvarez")
    upload = {"file": ("svs.tbl.packed", pack(clew("TEST201", "ZZS4202")), "application/octet-stream")}
    done = client.post(
        f"/hotlists/{hotlist.id}/import",
        data={"csrf_token": csrf, "file_format": "clew", "purpose": SVS_PURPOSE},
        files=upload,
    )
    assert done.status_code == 200, done.text
    assert plates(db, hotlist.id) == ["TEST201", "ZZS4202"]
    shrinking = {"file": ("svs.tbl", HEADER_ONLY, "text/plain")}
    form = {"csrf_token": csrf, "file_format": "clew", "purpose": SVS_PURPOSE}
    refused = client.post(f"/hotlists/{hotlist.id}/import", data=form, files=shrinking)
    assert refused.status_code == 409 and "holds 0 entries" in refused.json()["error"]["message"]
    confirmed = client.post(
        f"/hotlists/{hotlist.id}/import", data=form | {"confirm_shrink": "true"}, files=shrinking
    )
    assert confirmed.status_code == 200 and plates(db, hotlist.id) == []


@pytest.mark.parametrize("pack", [_gzip, _zip])
def test_an_archive_bomb_is_refused_after_the_cap(monkeypatch: pytest.MonkeyPatch, pack) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(refresh, "MAX_EXPANDED_BYTES", 1024 * 1024)
    bomb = pack(b"0" * (20 * 1024 * 1024))  # 20 MB of zeros in about 20 KB
    assert len(bomb) < 100_000
    with pytest.raises(InvalidInput, match="expands past 1 MB"):
        refresh.unpack(bomb, "bomb")


@pytest.mark.parametrize(
    "damaged", [b"\x1f\x8b\x08\x00garbage", b"PK\x03\x04garbage", _gzip(bytes(range(256)) * 40)[:30]]
)
def test_a_damaged_archive_is_a_clear_error(damaged: bytes) -> None:
    with pytest.raises(InvalidInput, match="damaged or unsupported archive"):
        refresh.unpack(damaged, "upload")


def test_a_csv_field_over_128_kb_is_a_clear_error_naming_the_line() -> None:
    lines = ["plate,reason", "7ABC123,stolen", "8XYZ999," + "x" * 200_000]
    with pytest.raises(HotFileError, match="line 3: a field is longer than 128 KB"):
        formats.parse("csv", lines)
    with pytest.raises(HotFileError, match="line 1: a field is longer"):
        formats.parse("ncic-csv", ["x" * 200_000])


def _lock_is_free(database: Path) -> bool:
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _watch_parse(monkeypatch: pytest.MonkeyPatch, database: Path) -> list[bool]:
    """Record, from inside the parser, whether another writer could take the lock at that moment."""
    seen: list[bool] = []
    real_parse = formats.parse

    def parse_and_probe(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(_lock_is_free(database))
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(formats, "parse", parse_and_probe)
    return seen


def test_an_import_parses_before_it_takes_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = prepared_data_dir(tmp_path / "data", {})
    database = Path(prepared.settings.resolved_database_url.removeprefix("sqlite:///"))
    with transaction(prepared.factory) as session:
        hotlist_service.create(
            session=session, actor=ACTOR, name="SVS", source=HotlistSource.DEPARTMENT, file_format="clew"
        )
        agency = account_service.get_home_agency(session=session)
        assert agency is not None
        admin = account_service.create_user(
            session=session,
            security=prepared.settings.security,
            agency=agency,
            username="lt.alvarez",
            full_name="Lt. Alvarez",
            password=TEST_PASSWORD,
            roles={Role.ADMINISTRATOR},
        )
        complete_training(session, admin)
    seen = _watch_parse(monkeypatch, database)
    source = tmp_path / "svs.tbl"
    source.write_bytes(clew("TEST201", "ZZS4202"))
    run_import(prepared.settings, file=source, list_name="SVS", fmt=None, category="other")
    with TestClient(create_app(prepared.settings)) as client:
        csrf = sign_in(client, "lt.alvarez")
        upload = {"file": ("svs.tbl", clew("TEST201", "ZZS4202", "ABC1234"), "text/plain")}
        done = client.post(
            "/hotlists/1/import", data={"csrf_token": csrf, "purpose": SVS_PURPOSE}, files=upload
        )
        assert done.status_code == 200, done.text
    assert seen == [True, True]  # the CLI and the console both parsed with the lock free


def test_the_shrink_share_is_a_setting(settings: Settings) -> None:
    assert settings.hotlists.max_shrink_share == 0.5
