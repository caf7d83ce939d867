"""The access log's oldest records are destroyed by their schedule, and the kept chain still proves itself.

Each test starts from a real data directory (SQLite, and PostgreSQL when configured). The purge runs
"in the future" (``now``), so the records written today are past a one-year schedule; three records
dated a month ahead stand for the ones still within it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from plateguard.access_log import service as access_log
from plateguard.access_log.checkpoints import write_checkpoint
from plateguard.access_log.models import AccessChainHead, AccessRecord
from plateguard.access_log.service import Actor
from plateguard.access_log.verify import verify_chain
from plateguard.accounts import service as account_service
from plateguard.accounts import training
from plateguard.accounts.training import TrainingRecord
from plateguard.audits import rules
from plateguard.database import transaction, utcnow
from plateguard.retention import purge_access_log as purge
from plateguard.retention import write_lock
from plateguard.retention.models import DataKind, DestructionRecord
from plateguard.retention.purge import PurgeReport
from tests.access_log.test_chain import tamper
from tests.access_log.test_checkpoints import cli
from tests.conftest import Prepared, agency_today, complete_training
from tests.retention.conftest import add_read, approve

YEAR_LATER = dt.timedelta(days=366)
ACTOR = Actor("det.nair", "Det. Priya Nair", "Manteca Police Department", "Investigator", None)


def sequences(store: Prepared) -> list[int]:
    with transaction(store.factory) as session:
        return list(session.scalars(select(AccessRecord.sequence).order_by(AccessRecord.sequence)))


def old_log_with_checkpoint(store: Prepared) -> tuple[int, dt.datetime]:
    """Schedules of a year; a signed checkpoint at today's head; then three records a month ahead and a
    checkpoint at them. Returns the checkpointed head of today and the time the purge runs at."""
    approve(store, DataKind.READS, 365)
    approve(store, DataKind.ACCESS_LOG, 365)
    checkpoint = write_checkpoint(store.engine, store.settings.data_dir)
    assert checkpoint is not None
    later = utcnow() + dt.timedelta(days=30)
    with transaction(store.factory) as session:
        for number in range(3):
            access_log.append(
                session=session,
                actor=ACTOR,
                action="reads.search",
                query={"plate": f"7ABC12{number}"},
                now=later,
            )
    assert write_checkpoint(store.engine, store.settings.data_dir) is not None
    return checkpoint.sequence, utcnow() + YEAR_LATER


def run(store: Prepared, now: dt.datetime) -> PurgeReport:
    return purge.purge_access_log(
        factory=store.factory,
        data_dir=store.settings.data_dir,
        run_by="test",
        organisation="Test PD",
        now=now,
    )


def verify_command(store: Prepared) -> tuple[int, str]:
    outcome = cli(store.settings.data_dir, "verify", database_url=store.settings.resolved_database_url)
    return outcome.returncode, outcome.stdout + outcome.stderr


def test_the_old_part_goes_and_the_kept_chain_verifies(store: Prepared) -> None:
    through, now = old_log_with_checkpoint(store)
    report = run(store, now)
    assert report.deleted == through
    assert sequences(store) == [through + 1, through + 2, through + 3]
    checked = verify_chain(store.engine, store.settings.data_dir)
    assert checked.intact and checked.records == 3 and checked.purged_through == through
    returncode, said = verify_command(store)
    assert returncode == 0, said
    assert f"records 1 to {through} destroyed by the retention purge" in said
    with transaction(store.factory) as session:
        record = session.scalars(
            select(DestructionRecord).where(DestructionRecord.data_kind == "access_log")
        ).one()
        assert (record.count, record.run_by, record.approved_by) == (
            through,
            "test",
            "Lieutenant (lieutenant)",
        )
        assert record.finished_at is not None and f"through {through}" in record.method


def test_an_edit_of_a_kept_record_is_caught_after_a_purge(store: Prepared) -> None:
    through, now = old_log_with_checkpoint(store)
    run(store, now)
    tamper(store.engine, f"UPDATE access_record SET purpose = 'Curiosity' WHERE sequence = {through + 2}")
    returncode, said = verify_command(store)
    assert returncode == 1
    assert f"BROKEN at record {through + 2}" in said and "altered" in said


def test_a_removed_first_kept_record_is_caught(store: Prepared) -> None:
    through, now = old_log_with_checkpoint(store)
    run(store, now)
    tamper(store.engine, f"DELETE FROM access_record WHERE sequence = {through + 1}")
    returncode, said = verify_command(store)
    assert returncode == 1 and f"BROKEN at record {through + 1}" in said and "removed" in said


def test_the_trigger_still_refuses_deleting_a_kept_record(store: Prepared) -> None:
    through, now = old_log_with_checkpoint(store)
    run(store, now)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM access_record WHERE sequence = {through + 1}"))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text("DELETE FROM access_log_anchor"))
    assert sequences(store) == [through + 1, through + 2, through + 3]


def test_an_anchor_written_without_the_key_is_caught(store: Prepared) -> None:
    """An insider adds an anchor row so the trigger lets kept records go; the signature gives it away."""
    through, now = old_log_with_checkpoint(store)
    run(store, now)
    with store.engine.begin() as connection:
        head = connection.execute(
            select(AccessRecord.record_hash).where(AccessRecord.sequence == through + 2)
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO access_log_anchor (sequence, record_hash, cutoff, written_at, signature) "
                "VALUES (:s, :h, :c, '2026-11-29T00:00:00.000000Z', 'Zm9yZ2Vk')"
            ),
            {"s": through + 2, "h": head, "c": utcnow()},
        )
        connection.execute(text(f"DELETE FROM access_record WHERE sequence <= {through + 2}"))
    returncode, said = verify_command(store)
    assert returncode == 1 and "not signed by the checkpoint key" in said


def test_records_that_may_describe_a_stored_read_are_kept(store: Prepared) -> None:
    """A read captured ten days ago is still stored: no access record written after it may go."""
    add_read(store, days_old=10)
    through, now = old_log_with_checkpoint(store)
    report = run(store, now)
    assert report.deleted == 0 and report.held == through
    assert sequences(store)[:2] == [1, 2] and len(sequences(store)) == through + 3
    assert verify_chain(store.engine, store.settings.data_dir).purged_through == 0


def test_nothing_goes_without_a_signed_checkpoint(store: Prepared) -> None:
    approve(store, DataKind.READS, 365)
    approve(store, DataKind.ACCESS_LOG, 365)
    before = sequences(store)
    report = run(store, utcnow() + YEAR_LATER)
    assert report.deleted == 0 and report.held == len(before) and "checkpoint" in report.note
    assert sequences(store) == before


def test_a_broken_log_is_not_purged(store: Prepared) -> None:
    through, now = old_log_with_checkpoint(store)
    tamper(store.engine, "UPDATE access_record SET purpose = 'Curiosity' WHERE sequence = 2")
    report = run(store, now)
    assert report.deleted == 0 and "fails verification at record 2" in report.note
    assert len(sequences(store)) == through + 3


def test_an_interrupted_purge_verifies_and_a_rerun_finishes(
    store: Prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    through, now = old_log_with_checkpoint(store)
    monkeypatch.setattr(purge, "FIRST_BATCH", 2)
    monkeypatch.setattr(purge, "LARGEST_BATCH", 2)
    stopped = purge.purge_access_log(
        factory=store.factory,
        data_dir=store.settings.data_dir,
        run_by="test",
        organisation="Test PD",
        now=now,
        stop_after_batches=1,
    )
    assert stopped.deleted == 2 and sequences(store)[0] == 3
    assert verify_chain(store.engine, store.settings.data_dir).intact
    rerun = run(store, now)
    assert rerun.deleted == through - 2
    assert sequences(store) == [through + 1, through + 2, through + 3]
    assert verify_chain(store.engine, store.settings.data_dir).intact
    with transaction(store.factory) as session:
        head = session.get(AccessChainHead, 1)
        assert head is not None and head.sequence == through + 3


def test_a_batch_past_its_deadline_deletes_nothing_and_the_purge_still_finishes(
    store: Prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    through, now = old_log_with_checkpoint(store)
    monkeypatch.setattr(write_lock, "WORK_DEADLINE_MS", 0.0)  # every batch above the smallest is stopped
    report = run(store, now)
    sqlite = store.engine.dialect.name == "sqlite"
    assert report.interrupted >= 1 if sqlite else report.interrupted == 0
    assert report.deleted == through
    assert sequences(store) == [through + 1, through + 2, through + 3]
    assert verify_chain(store.engine, store.settings.data_dir).intact
    with transaction(store.factory) as session:
        record = session.scalars(
            select(DestructionRecord).where(DestructionRecord.data_kind == "access_log")
        ).one()
        assert record.count == through  # the stopped batches counted nothing


def flagged_training(store: Prepared, now: dt.datetime) -> list[int]:
    """The audit rule "Training with no access record of its recording" on the day of ``now``, leaving out
    the fixture's set-up completions (stored directly, so flagged too, rightly)."""
    zone = ZoneInfo(store.settings.agency.timezone)
    with transaction(store.factory) as session:
        day = now.astimezone(zone).date()
        context = rules.load_context(
            session=session, settings=store.settings, period=rules.Period(day, day, zone), now=now
        )
        setup = set(session.scalars(select(TrainingRecord.id).where(TrainingRecord.notes == "")))
        flags = rules.training_unrecorded(context)
    return [
        flag.detail["training_record_id"] for flag in flags if flag.detail["training_record_id"] not in setup
    ]


def record_training(store: Prepared, trainee: str, *, days_ago: int = 2) -> int:
    """A completion recorded through plateguard by the lieutenant (its ``training.recorded`` record)."""
    with transaction(store.factory) as session:
        user = account_service.get_by_username(session=session, username=trainee)
        recorder = account_service.get_by_username(session=session, username="lieutenant")
        assert user is not None and recorder is not None
        record = training.record_for_another(
            session=session,
            user=user,
            course=training.courses(session=session)[0],
            completed_on=agency_today() - dt.timedelta(days=days_ago),
            recorded_by=recorder,
            today=agency_today(),
            notes="recorded through plateguard",
        )
        return record.id


def carried_records(store: Prepared) -> list[dict[str, Any]]:
    with transaction(store.factory) as session:
        query = select(AccessRecord.query).where(AccessRecord.action == "access_log.carried")
        return list(session.scalars(query.order_by(AccessRecord.sequence)))


def test_training_recorded_in_the_purged_part_is_carried_and_an_insiders_row_is_still_flagged(
    store: Prepared,
) -> None:
    recorded = record_training(store, "custodian")
    through, now = old_log_with_checkpoint(store)
    run(store, now)
    with transaction(store.factory) as session:
        actions = set(session.scalars(select(AccessRecord.action)))
        course = training.courses(session=session)[0].name
    assert "training.recorded" not in actions, "its recording went with the purged part"
    completed = (agency_today() - dt.timedelta(days=2)).isoformat()
    (carried,) = carried_records(store)
    assert carried["through"] == through
    assert [fact[:3] for fact in carried["training"]] == [["custodian", course, completed]]
    assert flagged_training(store, now) == []
    with transaction(store.factory) as session:
        custodian = account_service.get_by_username(session=session, username="custodian")
        assert custodian is not None
        complete_training(session, custodian)  # an insider's rows, dated before the kept log begins
        inserted = []
        for row in session.scalars(select(TrainingRecord).where(TrainingRecord.id > recorded)):
            row.recorded_at, row.notes = dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "inserted"
            inserted.append(row.id)
    assert inserted and flagged_training(store, now) == sorted(inserted)
    with transaction(store.factory) as session:
        carried_row = session.get(TrainingRecord, recorded)
        assert carried_row is not None
        carried_row.expires_on += dt.timedelta(days=365)  # the carried completion, extended by hand
    assert flagged_training(store, now) == sorted([recorded, *inserted])


def test_a_later_purge_carries_the_carried_training_on(store: Prepared) -> None:
    record_training(store, "custodian")
    _, now = old_log_with_checkpoint(store)
    run(store, now)
    (first,) = carried_records(store)
    second_anchor = write_checkpoint(store.engine, store.settings.data_dir)  # past the carried record
    assert second_anchor is not None
    later = now + dt.timedelta(days=60)
    run(store, later)
    (kept,) = carried_records(store)  # the first went with the second purge, its facts carried on
    assert kept["through"] == second_anchor.sequence > first["through"]
    assert kept["training"] == first["training"]
    assert flagged_training(store, later) == []


def test_a_purge_carries_only_what_it_destroys_and_an_earlier_versions_init_statement(
    store: Prepared,
) -> None:
    # The first Administrator's statement at init, as an earlier version logged it: no course, no expiry.
    with transaction(store.factory) as session:
        lieutenant = account_service.get_by_username(session=session, username="lieutenant")
        assert lieutenant is not None
        statement = training.record_completion(
            session=session,
            user=lieutenant,
            course=training.courses(session=session)[0],
            completed_on=agency_today() - dt.timedelta(days=3),
            recorded_by=lieutenant,
            today=agency_today(),
            notes="statement at init",
            attested_at_init=True,
        )
        query = {"user": "lieutenant", "completed_on": statement.completed_on.isoformat()}
        access_log.append(session=session, actor=ACTOR, action="training.recorded", query=query)
    record_training(store, "custodian")
    _, now = old_log_with_checkpoint(store)
    record_training(store, "custodian", days_ago=1)  # after the checkpoint: its record is kept
    run(store, now)
    (carried,) = carried_records(store)
    completed = [(agency_today() - dt.timedelta(days=days)).isoformat() for days in (2, 3)]
    expected = [["custodian", training_course(store), completed[0]], ["lieutenant", None, completed[1]]]
    assert sorted((fact[:3] for fact in carried["training"]), key=repr) == sorted(expected, key=repr)
    with transaction(store.factory) as session:
        counted = select(AccessRecord.result_count).where(AccessRecord.action == "access_log.carried")
        assert session.scalar(counted) == 2, "the record counts what it carried"
    assert flagged_training(store, now) == []


def training_course(store: Prepared) -> str:
    with transaction(store.factory) as session:
        return training.courses(session=session)[0].name
