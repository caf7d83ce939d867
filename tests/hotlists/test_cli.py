"""``plateguard hotlist import`` and ``plateguard hotlist refresh`` as an administrator runs them."""

from __future__ import annotations

from pathlib import Path

from plateguard.access_log.service import Actor
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from tests.test_cli import init, run_cli

SVS = "DATE11/05/2026 06:00\nTEST201 CA1920261101\nZZS4202 CA0120261030\nTOTAL RECORD 0000002\n"


def make_list(data_dir: Path, refresh_path: str | None = None) -> None:
    engine = make_engine(f"sqlite:///{(data_dir / 'plateguard.sqlite3').resolve()}")
    with transaction(make_session_factory(engine)) as session:
        hotlist_service.create(
            session=session,
            actor=Actor.system("Test PD", "test"),
            name="CA DOJ SVS",
            source=HotlistSource.STATE,
            file_format="clew",
            refresh_path=refresh_path,
        )
    engine.dispose()


def test_import_loads_a_file_and_a_malformed_one_fails_with_its_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    make_list(data_dir)
    good, bad = tmp_path / "svs.tbl", tmp_path / "bad.tbl"
    good.write_text(SVS)
    bad.write_text(SVS.replace("ZZS4202 CA0120261030", "ZZS4202 CA01"))
    done = run_cli(
        "hotlist", "import", "--data-dir", str(data_dir), "--list", "CA DOJ SVS", str(good), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "CA DOJ SVS: 2 entries loaded, 0 skipped." in done.stdout
    failed = run_cli(
        "hotlist", "import", "--data-dir", str(data_dir), "--list", "CA DOJ SVS", str(bad), cwd=tmp_path
    )
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: line 3: a record needs plate, state, 2-digit county and date YYYYMMDD; nothing was imported"
    )
    unknown = run_cli(
        "hotlist", "import", "--data-dir", str(data_dir), "--list", "Nope", str(good), cwd=tmp_path
    )
    assert unknown.returncode == 1 and "no hotlist named 'Nope'" in unknown.stderr


def test_refresh_reports_a_missing_file_and_exits_non_zero(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    make_list(data_dir, refresh_path=str(tmp_path / "missing.tbl"))
    result = run_cli("hotlist", "refresh", "--data-dir", str(data_dir), cwd=tmp_path)
    assert result.returncode == 1
    assert "CA DOJ SVS: refresh FAILED: cannot read" in result.stdout
    assert "list is stale (never loaded" in result.stdout
