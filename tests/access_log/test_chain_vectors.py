"""The access log's hashed form is pinned, and every hashed field is tamper-evident on both databases.

The vectors below were computed once and written down: a change to the hashed form (a field dropped,
reordered or encoded differently, the timestamp written another way) would make every access log
already kept fail verification, so it must show up here first. Tampering is done the way an attacker
with the database file or a superuser login would: a raw DB-API connection, triggers out of the way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from plateguard.access_log import service as access_log
from plateguard.access_log import verify
from plateguard.access_log.chain import canonical_time, hash_values, record_hash
from plateguard.access_log.checkpoints import write_checkpoint, write_signing_key
from plateguard.access_log.service import Actor, Justification
from plateguard.access_log.verify import verify_chain
from plateguard.database import make_engine, make_session_factory, transaction, upgrade

GENESIS = "0" * 64
# The hashed text, as chain.py's docstring describes it: previous hash | JSON array of the fields | query.
VECTOR_TEXT = (
    GENESIS + '|[1,"2026-03-14T09:26:53.589793Z",null,"det.nair","Det. Zoë Ñúñez","Policía de São José",'
    '"Investigator","reads.search",2,"Criminal investigation","Täter: weißer Wagen","26-0042","ok"]'
    '|{"plate":"7ABC123"}'
)
VECTOR_HASH = "95599c47b4b902f748a84522f220ef5a0d4e2629385fbab316b9924e38b49393"
RECORD = {
    "sequence": 7,
    "occurred_at": dt.datetime(2026, 3, 14, 1, 26, 53, 589793, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
    "user_id": 12,
    "username": "ofc.łukasz",
    "full_name": "Łukasz Żółw",
    "organisation": "Département de police 警察",
    "roles": "Operator",
    "action": "alerts.view",
    "query": {"why": "vérification", "alert_id": "a1", "n": [1, 2]},
    "result_count": None,
    "purpose": "Alert verification",
    "purpose_detail": "",
    "case_number": None,
    "outcome": "ok",
}
RECORD_HASH = "2d2308e6033bb437b923ce259537f6b7cfe081d92792512717b7da380c7b5fb7"


def test_the_hashed_text_form_is_pinned() -> None:
    assert hashlib.sha256(VECTOR_TEXT.encode()).hexdigest() == VECTOR_HASH
    values = [1, "2026-03-14T09:26:53.589793Z", None, "det.nair", "Det. Zoë Ñúñez", "Policía de São José"]
    values += [
        "Investigator",
        "reads.search",
        2,
        "Criminal investigation",
        "Täter: weißer Wagen",
        "26-0042",
        "ok",
    ]
    assert hash_values(GENESIS, values, '{"plate":"7ABC123"}') == VECTOR_HASH


def test_a_record_hashes_to_its_pinned_value_from_any_time_zone() -> None:
    assert canonical_time(RECORD["occurred_at"]) == "2026-03-14T09:26:53.589793Z"  # type: ignore[arg-type]
    assert record_hash("ab" * 32, RECORD) == RECORD_HASH
    utc = dict(RECORD, occurred_at=RECORD["occurred_at"].astimezone(dt.UTC))  # type: ignore[attr-defined]
    assert record_hash("ab" * 32, utc) == RECORD_HASH


@pytest.mark.parametrize(
    ("field", "value"),
    [(name, "changed") for name in ("username", "full_name", "organisation", "roles", "action", "outcome")]
    + [("purpose", "Curiosity"), ("purpose_detail", "x"), ("case_number", "26-9999"), ("user_id", 13)]
    + [
        ("result_count", 0),
        ("sequence", 8),
        ("query", {"why": "vérification", "alert_id": "a2", "n": [1, 2]}),
    ]
    + [("occurred_at", dt.datetime(2026, 3, 14, 9, 26, 53, 589794, tzinfo=dt.UTC))],
)
def test_every_field_and_the_previous_hash_change_the_hash(field: str, value: object) -> None:
    assert record_hash("ab" * 32, dict(RECORD, **{field: value})) != RECORD_HASH
    assert record_hash("ac" * 32, RECORD) != RECORD_HASH


ACTOR = Actor("det.nair", "Det. Zoë Ñúñez", "Policía de São José", "Investigator", None)


def fill(engine: Engine, count: int) -> None:
    with transaction(make_session_factory(engine)) as session:
        for number in range(1, count + 1):
            access_log.append(
                session=session,
                actor=ACTOR,
                action="reads.search",
                query={"plate": f"7ÄBC12{number}"},
                result_count=number,
                justification=Justification("Criminal investigation", "weißer Wagen", f"26-{number}"),
            )


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, empty SQLite file, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def log_engine(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Engine]:
    """A database of its own holding five committed access records."""
    if request.param == "sqlite":
        url = f"sqlite:///{shutil.copy(migrated_sqlite, tmp_path / 'log.sqlite3')}"
    else:
        url = request.getfixturevalue("own_postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    fill(engine, 5)
    yield engine
    engine.dispose()


def attack(engine: Engine, *statements: str) -> None:
    """Change rows as an attacker would: a raw connection, triggers and foreign keys out of the way."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'access_record'"
            )
            for (trigger,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{trigger}"')
        for statement in statements:
            cursor.execute(statement)
        connection.commit()
    finally:
        connection.close()


def row_id(engine: Engine, sequence: int) -> int:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(f"SELECT id FROM access_record WHERE sequence = {sequence}")
        return int(cursor.fetchone()[0])  # type: ignore[index]
    finally:
        connection.close()


# Every hashed column and a value it does not hold: written from the list of what an access record holds.
TAMPERED = {
    "occurred_at": "'2020-01-01 00:00:00.000000'",
    "user_id": "424242",
    "username": "'someone.else'",
    "full_name": "'Someone Else'",
    "organisation": "'Another Agency'",
    "roles": "'Auditor'",
    "action": "'reads.view'",
    "result_count": "0",
    "purpose": "'Curiosity'",
    "purpose_detail": "''",
    "case_number": "'26-9'",
    "outcome": "'denied'",
    "query": '\'{"plate":"0XXX000"}\'',
}


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_changing_any_hashed_field_is_caught(log_engine: Engine, column: str) -> None:
    assert verify_chain(log_engine).intact
    attack(log_engine, f"UPDATE access_record SET {column} = {TAMPERED[column]} WHERE sequence = 3")
    report = verify_chain(log_engine)
    assert report.problem is not None, column
    assert (report.problem.sequence, report.problem.record_id) == (3, row_id(log_engine, 3))
    assert report.problem.problem == "altered: its content does not match its hash"


@pytest.fixture(params=[1_000_000, 1], ids=["one pass", "parallel stretches"])
def stretches(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(verify, "PARALLEL_FROM", request.param)
    return int(request.param)


def test_the_break_report_names_the_record_and_its_row(log_engine: Engine, stretches: int) -> None:
    fill(log_engine, 5)  # ten records: every parallel stretch holds several
    report = verify_chain(log_engine)
    assert (report.intact, report.records) == (True, 10)
    fourth, fifth = row_id(log_engine, 4), row_id(log_engine, 5)
    attack(log_engine, "DELETE FROM access_record WHERE sequence = 4")
    report = verify_chain(log_engine)
    assert report.problem is not None
    assert (report.problem.sequence, report.problem.record_id) == (4, fifth)
    assert report.problem.problem == "record 4 removed"
    assert report.records == 3
    assert fourth != fifth


def test_a_record_relinked_to_another_chain_is_caught(log_engine: Engine, stretches: int) -> None:
    attack(log_engine, f"UPDATE access_record SET previous_hash = '{'e' * 64}' WHERE sequence = 4")
    report = verify_chain(log_engine)
    assert report.problem is not None
    assert (report.problem.sequence, report.problem.record_id) == (4, row_id(log_engine, 4))
    assert report.problem.problem == "inserted: it does not follow the record before it"


def test_a_renumbered_record_is_caught(log_engine: Engine) -> None:
    third = row_id(log_engine, 3)
    attack(log_engine, "UPDATE access_record SET sequence = 0 WHERE sequence = 3")
    report = verify_chain(log_engine)
    assert report.problem is not None
    assert (report.problem.sequence, report.problem.record_id) == (3, third)
    assert report.problem.problem == "record 3 inserted or renumbered"


def test_a_cut_off_tail_and_an_empty_log(log_engine: Engine, tmp_path: Path) -> None:
    attack(log_engine, "DELETE FROM access_record WHERE sequence >= 4")
    report = verify_chain(log_engine)
    assert report.problem is not None
    assert (report.problem.sequence, report.problem.record_id) == (4, None)
    assert report.problem.problem == "records after 3 removed (chain head is 5)"
    assert report.records == 3
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    upgrade(empty)  # a new database: no record, no chain head
    assert (verify_chain(empty).intact, verify_chain(empty).records, verify_chain(empty).head_hash) == (
        True,
        0,
        GENESIS,
    )
    # Without the data directory no signed checkpoint is compared: the report says none was.
    assert verify_chain(empty).checkpoints == 0 and verify_chain(log_engine).checkpoints == 0


@pytest.mark.postgres
def test_the_check_gives_its_workers_the_password(
    own_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each stretch opens its own connection from the URL: with the password shown as *** it could not
    sign in to a password-protected server. (The test server trusts local connections, so the URL the
    stretches are given is read on its way to them.)"""
    from sqlalchemy.engine import make_url

    url = make_url(own_postgres_url).set(password="s3cret pass")
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    fill(engine, 2)
    given: list[str] = []

    def remembering(address: str) -> Engine:
        given.append(address)
        return make_engine(address)

    monkeypatch.setattr(verify, "make_engine", remembering)
    assert verify_chain(engine).intact
    assert given and all(make_url(address).password == "s3cret pass" for address in given)
    engine.dispose()


def signed_log(migrated_sqlite: Path, folder: Path, records: int) -> Engine:
    """A log of its own with ``records`` records, in a data directory with the checkpoint key."""
    folder.mkdir()
    (folder / "secrets").mkdir()
    write_signing_key(folder / "secrets")
    engine = make_engine(f"sqlite:///{shutil.copy(migrated_sqlite, folder / 'log.sqlite3')}")
    fill(engine, records)
    return engine


def test_the_log_is_compared_with_its_signed_checkpoints(migrated_sqlite: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = signed_log(migrated_sqlite, data, 5)
    assert write_checkpoint(engine, data) is not None  # signs record 5
    report = verify_chain(engine, data)
    assert (report.intact, report.records, report.checkpoints) == (True, 5, 1)
    # Another log, whole in itself, but not the one the checkpoint signed: the checkpoint finds it.
    other = signed_log(migrated_sqlite, tmp_path / "other", 5)
    rewritten = verify_chain(other, data)
    assert rewritten.problem is not None and rewritten.checkpoints == 0
    assert (rewritten.problem.sequence, rewritten.problem.record_id) == (5, row_id(other, 5))
    assert rewritten.problem.problem.startswith("record 5 differs from the signed checkpoint of ")
    # A broken link before the record the checkpoint disagrees with is the first problem reported.
    attack(other, "UPDATE access_record SET username = 'someone.else' WHERE sequence = 3")
    both = verify_chain(other, data)
    assert both.problem is not None and both.problem.sequence == 3
    assert both.problem.problem == "altered: its content does not match its hash"


def test_a_record_both_altered_and_unlike_its_checkpoint_is_reported_as_altered(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    engine = signed_log(migrated_sqlite, data, 5)
    write_checkpoint(engine, data)
    attack(engine, f"UPDATE access_record SET record_hash = '{'f' * 64}' WHERE sequence = 5")
    report = verify_chain(engine, data)
    assert report.problem is not None and report.problem.sequence == 5
    assert report.problem.problem == "altered: its content does not match its hash"


def test_a_break_after_the_last_checkpoint_is_found_by_the_links(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    engine = signed_log(migrated_sqlite, data, 3)
    write_checkpoint(engine, data)
    fill(engine, 2)
    attack(engine, "UPDATE access_record SET username = 'someone.else' WHERE sequence = 5")
    report = verify_chain(engine, data)
    assert report.problem is not None and report.checkpoints == 1
    assert (report.problem.sequence, report.problem.problem) == (
        5,
        "altered: its content does not match its hash",
    )
