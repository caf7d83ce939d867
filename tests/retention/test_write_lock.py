"""A purge batch that runs long is stopped and rolled back, never half-written; checkpoints run apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plateguard.database import transaction
from plateguard.retention import files, write_lock
from plateguard.retention import purge as purge_service
from plateguard.retention.models import DataKind, DestructionRecord
from tests.conftest import Prepared
from tests.retention.conftest import add_read, approve, count_reads, picture, read_ids


def test_a_batch_past_its_deadline_is_rolled_back_and_the_purge_finishes_smaller(
    store: Prepared, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(25):
        add_read(store, days_old=400 + i, image=picture(500 + i))
    kept = add_read(store, days_old=10, image=picture(600))
    approve(store, DataKind.READS, 365)
    # No time at all for statements: every batch larger than the smallest is interrupted at once.
    monkeypatch.setattr(write_lock, "WORK_DEADLINE_MS", 0.0)

    images = store.settings.images_dir
    run = purge_service.PurgeRun(store.factory, images, "test", batch_size=40, pause_seconds=0)
    report = purge_service.purge_reads(run)

    sqlite = store.engine.dialect.name == "sqlite"
    # SQLite: 40 and 20 reads are stopped, then the smallest batch (10) runs without a deadline.
    assert report.interrupted >= 2 if sqlite else report.interrupted == 0
    assert report.deleted == 25 and count_reads(store) == 1
    with transaction(store.factory) as session:
        record = session.scalars(select(DestructionRecord)).one()
        assert record.count == 25 and record.files == 25  # interrupted batches counted nothing
    broken = files.check(store.factory, store.settings.images_dir)
    assert not broken.orphan_files and not broken.missing_files
    assert kept in read_ids(store)


def test_batches_leave_the_sync_and_checkpoints_out_of_the_lock_and_restore_them(store: Prepared) -> None:
    if store.engine.dialect.name != "sqlite":
        with write_lock.batch_sessions(store.factory) as factory:
            assert factory is store.factory  # PostgreSQL: the application's sessions as they are
        return
    with write_lock.batch_sessions(store.factory) as factory:
        connection = factory.kw["bind"]
        raw = connection.connection.driver_connection
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert raw.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL: synced after the commit
    # The connection goes back to the pool and serves ingest next: synced commits and checkpoints again.
    assert raw.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
    assert raw.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
