"""Finding 2: signed checkpoints outside the database catch a log rewritten behind plateguard's back.

Each tampering is done the way an insider with the database file (SQLite) or superuser rights
(PostgreSQL) would do it, then ``plateguard audit verify`` runs as a real command.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from plateguard.access_log.chain import HASHED_FIELDS, record_hash
from plateguard.access_log.checkpoints import checkpoint_path, published_key
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord
from plateguard.cli import app
from plateguard.config import load_settings, write_secrets
from plateguard.database import make_engine, upgrade
from tests.access_log.test_chain import FORGED, fill, tamper


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def cli(data_dir: Path, *args: str, database_url: str | None = None) -> Outcome:
    """``plateguard audit ARGS --data-dir DIR``, run in this process (a fresh interpreter costs seconds)."""
    env = {"PLATEGUARD_DATABASE_URL": database_url} if database_url else {}
    result = CliRunner().invoke(app, ["audit", *args, "--data-dir", str(data_dir)], env=env)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def rebuild_without_record_3(engine: Engine) -> None:
    """Delete record 3, renumber and rehash every later record, and move the head: a whole chain again."""
    with Session(engine) as session:
        rows = session.scalars(select(AccessRecord).order_by(AccessRecord.sequence)).all()
        kept = [
            {name: getattr(row, name) for name in HASHED_FIELDS} | {"query": row.query}
            for row in rows
            if row.sequence != 3
        ]
    tamper(engine, "DELETE FROM access_record")
    previous = GENESIS_HASH
    with Session(engine) as session, session.begin():
        for number, content in enumerate(kept, start=1):
            content["sequence"] = number
            digest = record_hash(previous, content)
            session.add(AccessRecord(**content, previous_hash=previous, record_hash=digest))
            previous = digest
        head = session.get(AccessChainHead, 1)
        assert head is not None
        head.sequence, head.last_hash = len(kept), previous


def truncate_tail(engine: Engine) -> None:
    """Drop the last two records and point the head at the one before: the chain looks whole."""
    tamper(engine, "DELETE FROM access_record WHERE sequence > 3")
    with Session(engine) as session, session.begin():
        last = session.scalar(select(AccessRecord.record_hash).where(AccessRecord.sequence == 3))
        head = session.get(AccessChainHead, 1)
        assert head is not None and last is not None
        head.sequence, head.last_hash = 3, last


def run_sql(*statements: str) -> Callable[[Engine], None]:
    def apply(engine: Engine) -> None:
        for statement in statements:
            tamper(engine, statement)

    return apply


TAMPERINGS: list[tuple[str, Callable[[Engine], None], str]] = [
    (
        "edited",
        run_sql("UPDATE access_record SET purpose = 'Curiosity' WHERE sequence = 3"),
        "BROKEN at record 3 (row id 3): altered",
    ),
    ("deleted", run_sql("DELETE FROM access_record WHERE sequence = 3"), "BROKEN at record 3"),
    (
        "inserted",
        run_sql(
            "UPDATE access_record SET sequence = sequence + 1000 WHERE sequence >= 3",
            "UPDATE access_record SET sequence = sequence - 999 WHERE sequence >= 1000",
            FORGED.replace("sequence = 3", "sequence = 4"),
        ),
        "BROKEN at record 3",
    ),
    ("rebuilt", rebuild_without_record_3, "the log was rewritten after record 2"),
    ("truncated", truncate_tail, "record 5 is gone"),
]


def logged_data_dir(data_dir: Path, database_url: str) -> Engine:
    """Five records, with a signed checkpoint after the second and after the fifth."""
    write_secrets(data_dir)
    engine = make_engine(database_url)
    upgrade(engine)
    fill(engine, 2)
    assert cli(data_dir, "checkpoint", database_url=database_url).returncode == 0
    fill(engine, 3)
    written = cli(data_dir, "checkpoint", database_url=database_url)
    assert written.returncode == 0 and "Checkpoint at record 5" in written.stdout, written.stderr
    return engine


def check_tampering(data_dir: Path, url: str, apply: Callable[[Engine], None], message: str) -> None:
    engine = logged_data_dir(data_dir, url)
    intact = cli(data_dir, "verify", database_url=url)
    assert intact.returncode == 0 and "against 2 signed checkpoints" in intact.stdout, intact.stderr
    apply(engine)
    result = cli(data_dir, "verify", database_url=url)
    print(result.stdout + result.stderr)  # the command's own words, for the record
    assert result.returncode == 1
    assert message in result.stderr
    engine.dispose()


@pytest.mark.parametrize(("name", "apply", "message"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_verify_catches_tampering_on_sqlite(
    tmp_path: Path, name: str, apply: Callable[[Engine], None], message: str
) -> None:
    check_tampering(tmp_path, f"sqlite:///{tmp_path / 'plateguard.sqlite3'}", apply, message)


@pytest.mark.postgres
@pytest.mark.parametrize(("name", "apply", "message"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_verify_catches_tampering_on_postgresql(
    tmp_path: Path, own_postgres_url: str, name: str, apply: Callable[[Engine], None], message: str
) -> None:
    check_tampering(tmp_path, own_postgres_url, apply, message)


def test_a_rebuilt_chain_passes_the_chain_check_alone(tmp_path: Path) -> None:
    """Why checkpoints are needed: without them the rebuilt chain is whole."""
    from plateguard.access_log.verify import verify_chain

    engine = logged_data_dir(tmp_path, f"sqlite:///{tmp_path / 'plateguard.sqlite3'}")
    rebuild_without_record_3(engine)
    assert verify_chain(engine).intact
    assert not verify_chain(engine, tmp_path).intact


def test_an_edited_checkpoint_file_is_caught(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plateguard.sqlite3'}"
    logged_data_dir(tmp_path, url)
    path = checkpoint_path(tmp_path)
    lines = path.read_text().splitlines()
    forged = json.loads(lines[1]) | {"record_hash": hashlib.sha256(b"forged").hexdigest()}
    path.write_text("\n".join([lines[0], json.dumps(forged)]) + "\n")
    result = cli(tmp_path, "verify", database_url=url)
    assert result.returncode == 1 and "bad signature" in result.stderr


def test_checkpoint_key_is_generated_with_the_secrets(tmp_path: Path) -> None:
    write_secrets(tmp_path)
    private = tmp_path / "secrets" / "checkpoint_signing_key"
    assert private.stat().st_mode & 0o777 == 0o600
    key = published_key(tmp_path)
    assert key is not None and key.startswith("ed25519:") and "PRIVATE" not in key


def test_sqlite_refuses_changes_to_access_records(tmp_path: Path) -> None:
    settings = load_settings(overrides={"data_dir": tmp_path})
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    fill(engine, 2)
    for statement in ("UPDATE access_record SET username = 'x'", "DELETE FROM access_record"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_hash_format_of_existing_records_is_unchanged() -> None:
    """A pinned vector: records written before this release still verify."""
    import datetime as dt

    content = {
        "sequence": 1,
        "occurred_at": dt.datetime(2026, 11, 1, 12, 30, 5, 123456, tzinfo=dt.UTC),
        "user_id": 7,
        "username": "det.nair",
        "full_name": "Det. Priya Nair",
        "organisation": "Manteca Police Department",
        "roles": "Investigator",
        "action": "reads.search",
        "query": {"plate": "7ABC123", "page": 1},
        "result_count": 2,
        "purpose": "Criminal investigation",
        "purpose_detail": "",
        "case_number": "26-1",
        "outcome": "ok",
    }
    text_form = (
        GENESIS_HASH
        + '|[1,"2026-11-01T12:30:05.123456Z",7,"det.nair","Det. Priya Nair","Manteca Police Department",'
        '"Investigator","reads.search",2,"Criminal investigation","","26-1","ok"]'
        '|{"page":1,"plate":"7ABC123"}'
    )
    assert record_hash(GENESIS_HASH, content) == hashlib.sha256(text_form.encode()).hexdigest()


def test_a_checkpoint_is_also_sent_to_syslog(tmp_path: Path) -> None:
    import socket

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'plateguard.sqlite3'}"
    write_secrets(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    fill(engine, 2)
    env = {"PLATEGUARD_DATABASE_URL": url, "PLATEGUARD_AUDIT__CHECKPOINT_SYSLOG": f"127.0.0.1:{port}"}
    result = CliRunner().invoke(app, ["audit", "checkpoint", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    message = listener.recv(4096).decode()
    listener.close()
    stored = checkpoint_path(tmp_path).read_text().strip()
    assert "plateguard-checkpoint" in message and stored in message
