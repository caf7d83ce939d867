"""The access log's hash chain catches every edit, removal and insertion made behind plateguard's back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from plateguard import bootstrap
from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.access_log.verify import verify_chain
from plateguard.config import load_settings
from plateguard.database import make_engine, make_session_factory, transaction, upgrade

ACTOR = Actor("det.nair", "Det. Priya Nair", "Manteca Police Department", "Investigator", None)


def fill(engine: Engine, count: int = 5) -> None:
    with transaction(make_session_factory(engine)) as session:
        for number in range(count):
            access_log.append(
                session=session,
                actor=ACTOR,
                action="reads.search",
                query={"plate": f"7ABC12{number}"},
                result_count=number,
                justification=Justification("Criminal investigation", "", f"26-{number}"),
            )


def tamper(engine: Engine, sql: str) -> None:
    """What an insider with the database file (SQLite) or superuser rights (PostgreSQL) can do."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # bypass the trigger
        else:
            for trigger in ("access_record_no_update", "access_record_no_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(sql))


def verify_cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plateguard", "audit", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture()
def sqlite_log(tmp_path: Path) -> tuple[Path, Engine]:
    settings = load_settings(overrides={"data_dir": tmp_path})
    engine = bootstrap.prepare(settings)
    fill(engine)
    return tmp_path, engine


def test_intact_chain_passes(sqlite_log: tuple[Path, Engine]) -> None:
    result = verify_cli(sqlite_log[0])
    assert result.returncode == 0, result.stderr
    assert "5 records checked" in result.stdout


FORGED = (
    "INSERT INTO access_record (sequence, occurred_at, username, full_name, organisation, roles, action,"
    " query, purpose_detail, outcome, previous_hash, record_hash) SELECT 3, occurred_at, 'x', 'x', 'x', 'x',"
    " 'reads.search', '{}', '', 'ok', previous_hash, record_hash FROM access_record WHERE sequence = 3"
)

TAMPERING: list[tuple[str, list[str], str]] = [
    (
        "altered",
        ['UPDATE access_record SET query = \'{"plate": "0XXX000"}\' WHERE sequence = 3'],
        "BROKEN at record 3 (row id 3): altered",
    ),
    ("count changed", ["UPDATE access_record SET result_count = 0 WHERE sequence = 2"], "BROKEN at record 2"),
    ("removed", ["DELETE FROM access_record WHERE sequence = 2"], "BROKEN at record 2"),
    (
        "inserted",
        [
            "DELETE FROM access_record WHERE sequence = 3",
            "UPDATE access_record SET previous_hash = 'f' || substr(previous_hash, 2) WHERE sequence = 4",
        ],
        "BROKEN at record 3",
    ),
    ("last removed", ["DELETE FROM access_record WHERE sequence = 5"], "records after 4 removed"),
]


@pytest.mark.parametrize(("name", "statements", "message"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_on_sqlite_is_caught(
    sqlite_log: tuple[Path, Engine], name: str, statements: list[str], message: str
) -> None:
    for statement in statements:
        tamper(sqlite_log[1], statement)
    result = verify_cli(sqlite_log[0])
    assert result.returncode == 1
    assert message in result.stderr


def test_a_forged_record_between_two_real_ones_is_caught(sqlite_log: tuple[Path, Engine]) -> None:
    tamper(sqlite_log[1], "UPDATE access_record SET sequence = sequence + 1000 WHERE sequence >= 3")
    tamper(sqlite_log[1], "UPDATE access_record SET sequence = sequence - 999 WHERE sequence >= 1000")
    tamper(sqlite_log[1], FORGED.replace("sequence = 3", "sequence = 4"))
    tamper(sqlite_log[1], "UPDATE access_record SET id = 99 WHERE username = 'x'")
    report = verify_chain(sqlite_log[1])
    assert report.problem is not None and report.problem.sequence == 3


@pytest.mark.postgres
def test_postgresql_refuses_changes_and_verify_catches_them_anyway(postgres_schema_url: str) -> None:
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    fill(engine, 3)
    for statement in (
        "UPDATE access_record SET username = 'x'",
        "DELETE FROM access_record",
        "TRUNCATE access_record",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert verify_chain(engine).intact
    tamper(
        engine,
        "UPDATE access_record SET purpose = 'Curiosity' "
        "WHERE sequence = (SELECT max(sequence) - 1 FROM access_record)",
    )
    report = verify_chain(engine)
    assert report.problem is not None and "altered" in report.problem.problem


def test_concurrent_appends_keep_one_chain(tmp_path: Path) -> None:
    import threading

    settings = load_settings(overrides={"data_dir": tmp_path})
    engine = bootstrap.prepare(settings)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            fill(engine, 10)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [thread.start() for thread in threads]  # type: ignore[func-returns-value]
    [thread.join() for thread in threads]  # type: ignore[func-returns-value]
    assert errors == []
    report = verify_chain(engine)
    assert report.intact and report.records == 40


@pytest.mark.parametrize(
    ("statements", "first_bad"),
    [(t[1], bad) for t, bad in zip(TAMPERING, (3, 2, 2, 3, 5), strict=True)],
    ids=[t[0] for t in TAMPERING],
)
def test_tampering_is_caught_when_checked_in_parallel_stretches(
    sqlite_log: tuple[Path, Engine], statements: list[str], first_bad: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plateguard.access_log import verify

    monkeypatch.setattr(verify, "PARALLEL_FROM", 1)
    fill(sqlite_log[1], 20)  # 25 records, so every stretch holds several
    assert verify_chain(sqlite_log[1]).intact
    for statement in statements:
        tamper(sqlite_log[1], statement)
    report = verify_chain(sqlite_log[1])
    assert report.problem is not None and report.problem.sequence == first_bad
