"""SIGKILL at every kind of step of the long operations (a purge, a hotlist import, an evidence export and an
alert verification): after each kill nothing is half-written, the access log verifies against its signed
checkpoint, no read points at a missing image, and running the operation again finishes the work.

The crash points are chosen from the operation's own steps (database statements, commits, files written,
renamed or removed; see crash_child.py): a run to the end counts them, then the operation is killed at
points spread over them, the last one included, each time on a fresh copy of the same demo data directory.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from plateguard import demo
from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.alerts.models import Alert
from plateguard.cli import app
from plateguard.config import load_settings
from plateguard.database import make_engine, make_session_factory
from plateguard.evidence.models import EvidenceExport
from plateguard.hotlists.models import Hotlist, HotlistEntry
from plateguard.reads.models import PlateRead
from plateguard.retention import files
from plateguard.retention.models import DestructionRecord

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CRASH_POINTS = 7
HELD_PLATES = {"5HLD204", "8DEM711", "7REL031"}  # the demo's legal holds
EVIDENCE_CASE = "26-004711"
STATE_LIST = "CA DOJ stolen vehicles (SVS)"
NEW_STOLEN = [f"4NEW{n:03d}" for n in range(40)]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings, _ = demo.build(tmp_path_factory.mktemp("demo") / "data")
    return settings.data_dir


@dataclass
class World:
    data_dir: Path

    def session(self) -> Session:
        settings = load_settings(overrides={"data_dir": self.data_dir})
        return make_session_factory(make_engine(settings.resolved_database_url))()

    def run(self, kill_at: int, *args: str) -> tuple[int, int]:
        """Run crash_child; returns (exit status, steps counted before it ended or was killed)."""
        steps_file = self.data_dir.parent / f"steps-{uuid.uuid4().hex}"
        done = subprocess.run(
            [sys.executable, "-m", "tests.reliability.crash_child", str(kill_at), str(steps_file), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if kill_at == 0:
            assert done.returncode == 0, done.stderr[-3000:]
        steps = int(steps_file.read_text()) if steps_file.exists() else kill_at
        return done.returncode, steps

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(app, [*args, "--data-dir", str(self.data_dir)], env={"CI": "true"})
        assert result.exit_code == 0, result.output
        return result.output


def crash_points(total: int) -> list[int]:
    spread = {1 + (total - 1) * k // (CRASH_POINTS - 1) for k in range(CRASH_POINTS)}
    return sorted(spread | {total})


def kill_everywhere(
    demo_dir: Path, tmp_path: Path, args: Callable[[World], list[str]], check: Callable[[World, bool], None]
) -> list[int]:
    """Count the steps on one copy, then kill at each crash point on a fresh copy and check it."""
    counting = World(copy_of(demo_dir, tmp_path / "count"))
    code, total = counting.run(0, *args(counting))
    check(counting, True)
    points = crash_points(total)
    for point in points:
        world = World(copy_of(demo_dir, tmp_path / f"kill-{point}"))
        code, _ = world.run(point, *args(world))
        assert code == -9, f"crash point {point} of {total}: not killed (exit {code})"
        check(world, False)
        code, _ = world.run(0, *args(world))  # the same operation again finishes the work
        check(world, True)
    return points


def copy_of(source: Path, target: Path) -> Path:
    shutil.copytree(source, target / "data")
    return target / "data"


def assert_store_sound(world: World) -> None:
    """The file is sound, the chain verifies against the signed checkpoint, every image a row names exists."""
    with sqlite3.connect(world.data_dir / "plateguard.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert "intact" in world.cli("audit", "verify").lower()
    settings = load_settings(overrides={"data_dir": world.data_dir})
    factory = make_session_factory(make_engine(settings.resolved_database_url))
    assert files.check(factory, settings.images_dir).missing_files == []


def plates(session: Session) -> list[str]:
    with system_scope(session, "crash test"):
        return sorted(session.scalars(select(PlateRead.plate_normalized)))


def test_a_purge_killed_anywhere_keeps_held_reads_records_what_went_and_a_rerun_finishes(
    demo_dir: Path, tmp_path: Path
) -> None:
    with World(demo_dir).session() as session:
        before = plates(session)
    expired = [plate for plate in before if plate.startswith("6OLD")]
    assert len(expired) == 8  # the demo's reads past the one-year schedule

    def check(world: World, finished: bool) -> None:
        assert_store_sound(world)
        with world.session() as session:
            now = plates(session)
            destroyed = session.scalar(select(func.coalesce(func.sum(DestructionRecord.count), 0)))
        assert set(now) >= HELD_PLATES
        assert set(now) <= set(before) and set(before) - set(now) <= set(expired)
        assert destroyed == len(before) - len(now)  # the record is true: every read gone is counted
        if finished:
            assert not set(expired) & set(now)
            assert "clean" in world.cli("purge", "check")

    points = kill_everywhere(
        demo_dir, tmp_path, lambda w: ["cli", "purge", "--data-dir", str(w.data_dir)], check
    )
    assert len(points) >= 5


def test_a_hotlist_import_killed_anywhere_leaves_the_old_list_or_the_new_one_whole(
    demo_dir: Path, tmp_path: Path
) -> None:
    hot_file = tmp_path / "svs.csv"
    hot_file.write_text("plate,state,reason\n" + "".join(f"{p},CA,Stolen vehicle\n" for p in NEW_STOLEN))
    with World(demo_dir).session() as session:
        old = entries(session)
    assert len(old) == 21

    def check(world: World, finished: bool) -> None:
        assert_store_sound(world)
        with world.session() as session:
            now = entries(session)
        assert now == sorted(NEW_STOLEN) if finished else now in (old, sorted(NEW_STOLEN))

    def args(world: World) -> list[str]:
        return [
            "cli",
            "hotlist",
            "import",
            str(hot_file),
            "--list",
            STATE_LIST,
            "--format",
            "csv",
            "--category",
            "stolen_vehicle",
            "--data-dir",
            str(world.data_dir),
        ]

    assert len(kill_everywhere(demo_dir, tmp_path, args, check)) >= 5


def entries(session: Session) -> list[str]:
    query = select(HotlistEntry.plate).join(Hotlist).where(Hotlist.name == STATE_LIST)
    with system_scope(session, "crash test"):
        return sorted(session.scalars(query))


def test_an_evidence_export_killed_anywhere_leaves_no_package_without_its_record(
    demo_dir: Path, tmp_path: Path
) -> None:
    with World(demo_dir).session() as session:
        exports_before = int(session.scalar(select(func.count()).select_from(EvidenceExport)) or 0)

    def check(world: World, finished: bool) -> None:
        assert_store_sound(world)
        package = world.data_dir.parent / "package.zip"
        written = sorted(p.name for p in world.data_dir.parent.iterdir() if "package" in p.name)
        with world.session() as session:
            exports = int(session.scalar(select(func.count()).select_from(EvidenceExport)) or 0)
        if written:  # a whole package or the part written so far
            assert exports > exports_before, f"{written} on disk with no record of their export"
        if package.exists():
            assert "intact" in world.cli("evidence", "verify", str(package))
        if finished:
            assert written == ["package.zip"]

    def args(world: World) -> list[str]:
        out = world.data_dir.parent / "package.zip"
        return [
            "cli",
            "evidence",
            "export",
            "--case",
            EVIDENCE_CASE,
            "--out",
            str(out),
            "--as",
            "detective",
            "--reason",
            "Discovery for the preliminary hearing",
            "--data-dir",
            str(world.data_dir),
        ]

    assert len(kill_everywhere(demo_dir, tmp_path, args, check)) >= 5


def test_an_alert_verification_killed_anywhere_is_all_there_or_not_at_all(
    demo_dir: Path, tmp_path: Path
) -> None:
    with World(demo_dir).session() as session, system_scope(session, "crash test"):
        alert_id = session.scalars(select(Alert.id).where(Alert.verified_by.is_(None)).limit(1)).one()
        records_before = verification_records(session)

    def check(world: World, finished: bool) -> None:
        assert_store_sound(world)
        with world.session() as session, system_scope(session, "crash test"):
            alert = session.get(Alert, alert_id)
            assert alert is not None
            applied = alert.notes.count("7ABC128")  # each verification that took effect added its note
            records = verification_records(session)
        assert records - records_before == applied  # each one has its access record, and only those
        assert (alert.visual_match is False) == (applied > 0) == (alert.verified_by == "officer")
        assert applied >= 1 if finished else applied == 0

    def args(world: World) -> list[str]:
        return ["verify", str(world.data_dir), str(alert_id), "officer"]

    assert len(kill_everywhere(demo_dir, tmp_path, args, check)) >= 3


def verification_records(session: Session) -> int:
    query = select(func.count()).select_from(AccessRecord).where(AccessRecord.action == "alerts.verify")
    return int(session.scalar(query) or 0)
