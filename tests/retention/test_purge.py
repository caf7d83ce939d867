"""Purging expired reads: the one-year floor, holds across the boundary, interrupted runs, the image store."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from plateguard.cli import app
from plateguard.database import transaction
from plateguard.errors import Forbidden, InvalidInput
from plateguard.reads.images import image_path
from plateguard.retention import files, holds
from plateguard.retention import purge as purge_service
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord, HoldReason, PendingFileDeletion
from plateguard.retention.schemas import HoldCreate, HoldCriteria, ScheduleCreate
from tests.conftest import Prepared
from tests.retention.conftest import actor, add_read, approve, count_reads, picture, read_ids


def run(store: Prepared, **options: object) -> purge_service.PurgeReport:
    settings = store.settings
    purge_run = purge_service.PurgeRun(
        store.factory,
        settings.images_dir,
        "test purge",
        batch_size=2,
        pause_seconds=0,
        **options,  # type: ignore[arg-type]
    )
    return purge_service.purge_reads(purge_run)


def test_reads_cannot_be_scheduled_under_one_year_without_a_legal_override(store: Prepared) -> None:
    with transaction(store.factory) as session, pytest.raises(InvalidInput) as refused:
        form = ScheduleCreate(data_kind=DataKind.READS, days=364)
        schedules.propose(session=session, actor=actor(session, "custodian"), form=form)
    assert refused.value.field == "days"
    assert "34090.6" in refused.value.message
    override = "Court order 24-CV-0012 directs destruction after 180 days"
    schedule_id = approve(store, DataKind.READS, 180, legal_override=override)
    with transaction(store.factory) as session:
        in_force = schedules.in_force(session=session, kind=DataKind.READS)
        assert in_force is not None and in_force.id == schedule_id and in_force.legal_override == override


def test_access_log_is_kept_at_least_as_long_as_the_reads(store: Prepared) -> None:
    approve(store, DataKind.READS, 730)
    with transaction(store.factory) as session, pytest.raises(InvalidInput, match="at least as long"):
        form = ScheduleCreate(data_kind=DataKind.ACCESS_LOG, days=400)
        schedules.propose(session=session, actor=actor(session, "custodian"), form=form)


def test_a_schedule_needs_a_second_person_and_nothing_goes_before_approval(store: Prepared) -> None:
    old = add_read(store, days_old=800)
    with transaction(store.factory) as session:
        form = ScheduleCreate(data_kind=DataKind.READS, days=365)
        schedule = schedules.propose(session=session, actor=actor(session, "lieutenant"), form=form)
        schedule_id = schedule.id
    with transaction(store.factory) as session, pytest.raises(Forbidden):
        schedules.decide(
            session=session, actor=actor(session, "lieutenant"), schedule_id=schedule_id, approve=True
        )
    report = run(store)
    assert report.deleted == 0 and "no approved" in report.note
    assert old in read_ids(store)


def test_purge_destroys_expired_reads_and_their_images_but_keeps_held_and_recent_ones(
    store: Prepared,
) -> None:
    shared = picture(1)
    old = [add_read(store, days_old=400 + i, image=picture(100 + i)) for i in range(5)]
    old_shared = add_read(store, days_old=500, image=shared)
    held = add_read(store, days_old=700, plate="HELD1", image=picture(7))
    recent = [add_read(store, days_old=364, image=picture(200)), add_read(store, days_old=10, image=shared)]
    approve(store, DataKind.READS, 365)
    with transaction(store.factory) as session:
        criteria = HoldCriteria(plate="HELD1")
        form = HoldCreate(
            case_number="26-001234",
            reason=HoldReason.LITIGATION,
            requester="City Attorney",
            criteria=criteria,
        )
        hold = holds.place(session=session, actor=actor(session, "custodian"), form=form)
        hold_id = hold.id

    report = run(store)

    assert report.deleted == 6 and report.held == 1
    if store.engine.dialect.name == "postgresql":  # whole expired months without holds go at once
        assert report.partitions and all(name.startswith("plate_read_m") for name in report.partitions)
    assert read_ids(store) == {held, *recent}
    assert not image_path(store.settings.images_dir, picture_sha(100)).exists()
    assert image_path(store.settings.images_dir, picture_sha(1)).exists()  # a recent read still shows it
    assert files.check(store.factory, store.settings.images_dir).clean
    with transaction(store.factory) as session:
        record = session.scalars(select(DestructionRecord)).one()
        assert (record.data_kind, record.count, record.schedule_days) == ("reads", 6, 365)
        assert record.approved_by == "Lieutenant (lieutenant)" and record.finished_at is not None
        assert record.oldest is not None and record.newest is not None and record.oldest < record.newest
    assert old_shared not in read_ids(store) and not set(old) & read_ids(store)

    with transaction(store.factory) as session:
        holds.release(
            session=session,
            actor=actor(session, "custodian"),
            hold_id=hold_id,
            reason="Case settled 2026-11-01",
        )
    assert run(store).deleted == 1
    assert read_ids(store) == set(recent)
    assert files.check(store.factory, store.settings.images_dir).clean


def picture_sha(seed: int) -> str:
    import hashlib

    return hashlib.sha256(picture(seed)).hexdigest()


def test_an_interrupted_purge_leaves_a_true_record_and_a_rerun_finishes(store: Prepared) -> None:
    # Just past the cutoff, in the month that holds the cutoff: row deletes on PostgreSQL too.
    for i in range(7):
        add_read(store, days_old=365.01 + i * 0.001, image=picture(300 + i))
    keep = add_read(store, days_old=3, image=picture(399))
    approve(store, DataKind.READS, 365)

    first = run(store, stop_after_batches=1)
    assert first.deleted == 2 and count_reads(store) == 6
    # A crash after a batch's commit but before its files were removed: the journal remembers them.
    with transaction(store.factory) as session:
        record_id = session.scalars(select(DestructionRecord.id)).one()
    assert purge_service._purge_batch(
        store.factory,
        first.cutoff,  # type: ignore[arg-type]
        record_id,
        2,
        set(),
        None,
    )[0]
    broken = files.check(store.factory, store.settings.images_dir)
    assert len(broken.orphan_files) == 2 and not broken.missing_files

    second = run(store)
    assert second.deleted == 3
    assert read_ids(store) == {keep}
    assert files.check(store.factory, store.settings.images_dir).clean
    with transaction(store.factory) as session:
        counts = [r.count for r in session.scalars(select(DestructionRecord).order_by(DestructionRecord.id))]
    assert sum(counts) == 7


def test_dry_run_and_check_commands(store: Prepared) -> None:
    add_read(store, days_old=900, image=picture(5))
    add_read(store, days_old=1, image=picture(6))
    approve(store, DataKind.READS, 365)
    env = {"PLATEGUARD_DATABASE_URL": store.settings.resolved_database_url}
    data_dir = str(store.settings.data_dir)
    runner = CliRunner()
    dry = runner.invoke(app, ["purge", "--data-dir", data_dir, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "DRY RUN reads" in dry.output and "1 expired" in dry.output
    assert count_reads(store) == 2
    done = runner.invoke(app, ["purge", "--data-dir", data_dir], env=env)
    assert done.exit_code == 0, done.output
    assert "1 destroyed, 1 files removed" in done.output
    assert count_reads(store) == 1
    checked = runner.invoke(app, ["purge", "check", "--data-dir", data_dir], env=env)
    assert checked.exit_code == 0 and "clean" in checked.output
    image_path(store.settings.images_dir, picture_sha(6)).unlink()
    broken = runner.invoke(app, ["purge", "check", "--data-dir", data_dir], env=env)
    assert broken.exit_code == 1 and "missing file" in broken.output


@pytest.mark.parametrize(
    "size, took_ms, expected",
    [(100, 120.0, 50), (10, 500.0, 10), (2, 500.0, 2), (50, 10.0, 100), (100, 5.0, 100), (40, 30.0, 40)],
)
def test_a_batch_that_held_the_lock_too_long_halves_the_next_one(
    size: int, took_ms: float, expected: int
) -> None:
    assert purge_service.next_size(size, took_ms, 100) == expected


def test_a_year_of_expired_months_is_destroyed_and_recorded(store: Prepared) -> None:
    for month in range(14):
        add_read(store, days_old=400 + 31 * month, image=picture(500 + month))
    approve(store, DataKind.READS, 365)
    report = run(store)
    assert report.deleted == 14 and count_reads(store) == 0
    with transaction(store.factory) as session:
        record = session.scalars(select(DestructionRecord)).one()
        assert record.count == 14 and record.finished_at is not None
        if store.engine.dialect.name == "postgresql":
            assert record.method.startswith(f"{len(report.partitions)} monthly partitions dropped")
    assert files.check(store.factory, store.settings.images_dir).clean


def test_the_file_journal_is_cleared_as_the_purge_goes_not_only_at_its_end(store: Prepared) -> None:
    for i in range(8):  # just past the cutoff, in the month that holds it: row batches on PostgreSQL too
        add_read(store, days_old=365.01 + i * 0.001, image=picture(700 + i))
    approve(store, DataKind.READS, 365)
    journal_sizes: list[int] = []

    def after_each_batch(_count: int) -> None:
        with transaction(store.factory) as session:
            journal_sizes.append(len(session.scalars(select(PendingFileDeletion.sha256)).all()))

    run(store, progress=after_each_batch)
    # Each batch clears the entries of the files the batch before removed: only the last batch's wait.
    assert journal_sizes == [2, 2, 2, 2]
    with transaction(store.factory) as session:
        assert session.scalars(select(PendingFileDeletion.sha256)).all() == []
