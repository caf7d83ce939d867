"""Keeping each purge batch's hold on SQLite's write lock short, and measuring only that hold.

On SQLite a batch holds the one write lock from BEGIN IMMEDIATE to the end of its commit, and ingest waits
for it. Two things made a batch hold it, or seem to hold it, longer than its deletes:

- A slow statement (pages read from disk, a busy machine): a batch whose statements run past
  ``WORK_DEADLINE_MS`` is interrupted by SQLite's progress handler and rolled back (a WAL rollback only
  drops pages), and the purge tries again with fewer reads. The smallest batch runs to its end, so a purge
  always makes progress.
- A commit syncs the WAL to disk while it holds the lock (``synchronous=FULL``), and a slow disk can
  stall that sync for tens of milliseconds. Batches commit without the sync (``NORMAL``), and the purge
  syncs the WAL file itself right after, outside the lock, before it removes any image file: a power cut
  in between can undo the batch (and the purge does it again), never leave rows whose files are gone.
- The WAL checkpoint a commit can trigger runs inside the committing call, after the lock is released:
  batches run on one connection that does not checkpoint on commit, and the purge checkpoints between
  batches, once the log has grown as far as SQLite's automatic checkpoint would let it, in PASSIVE mode,
  which neither waits for nor blocks a writer.

What no setting bounds: one statement step or a commit's write waiting for a stalled disk (measured in
docs/records-custodian.md); a writer of any kind waits that long then.

PostgreSQL takes row locks that ingest never waits for: nothing changes there.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from plateguard.database import transaction
from plateguard.errors import PlateguardError

WORK_DEADLINE_MS = 45.0  # statements of one batch; the commit (one WAL write and sync) comes on top
CHECK_EVERY = 100  # SQLite virtual-machine steps between two looks at the clock
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, restored when the purge ends
PAGE_BYTES = 4096  # SQLite's default page size


class BatchTooSlow(PlateguardError):
    """A batch's statements ran past their deadline and were rolled back."""


class Held:
    """How long a batch held the write lock: from its BEGIN to the end of its commit or rollback."""

    def __init__(self) -> None:
        self.since: float | None = None

    def started(self) -> None:
        self.since = time.perf_counter()

    def ms(self) -> float:
        return 0.0 if self.since is None else (time.perf_counter() - self.since) * 1000


@contextmanager
def batch_sessions(factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions for a purge's batches: on SQLite all on one connection that commits without the sync and
    the checkpoint (``settle`` does both after each batch, outside the lock); elsewhere the factory
    itself."""
    engine = factory.kw["bind"]
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        yield factory
        return
    with engine.connect() as connection:
        raw = _driver(connection)
        raw.execute("PRAGMA wal_autocheckpoint=0")
        raw.execute("PRAGMA synchronous=NORMAL")
        try:
            yield sessionmaker(bind=connection, expire_on_commit=False, autoflush=True)
        finally:
            raw.set_progress_handler(None, 0)
            raw.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            raw.execute("PRAGMA synchronous=FULL")  # as database.make_engine sets every connection


def settle(factory: sessionmaker[Session]) -> None:
    """After a batch's commit, outside the lock (SQLite): sync the WAL file so the batch is on disk before
    any of its files is removed, and once the WAL has grown as far as SQLite's own automatic checkpoint
    lets it, copy committed pages back into the database file (PASSIVE)."""
    connection = factory.kw["bind"]
    if isinstance(connection, Engine) or connection.dialect.name != "sqlite":
        return
    wal = Path(f"{connection.engine.url.database}-wal")
    if not wal.exists():
        return
    with wal.open("rb") as file:
        os.fsync(file.fileno())
        grown = os.fstat(file.fileno()).st_size
    if grown >= AUTOCHECKPOINT_PAGES * PAGE_BYTES:
        _driver(connection).execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


@contextmanager
def batch_transaction(
    factory: sessionmaker[Session], budget_ms: float | None, held: Held | None
) -> Iterator[Session]:
    """One batch's transaction: ``held`` starts once BEGIN has the lock, statements stop at ``budget_ms``.
    ``sqlite_writer``: ingest threads of this process (``plateguard serve``) queue on a lock and start the
    moment the batch commits, instead of polling SQLite's busy handler."""
    with transaction(factory, sqlite_writer=True) as session, deadline(session, budget_ms):
        session.connection()  # BEGIN (IMMEDIATE on SQLite): from here ingest waits
        if held is not None:
            held.started()
        yield session


@contextmanager
def deadline(session: Session, budget_ms: float | None) -> Iterator[None]:
    """Interrupt this transaction's statements once they have run ``budget_ms`` (SQLite; ``None``: no
    limit). Cleared before the commit, which must never be interrupted."""
    if budget_ms is None or session.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = _driver(session.connection())
    ends = time.perf_counter() + budget_ms / 1000
    raw.set_progress_handler(lambda: int(time.perf_counter() > ends), CHECK_EVERY)
    try:
        yield
    except OperationalError as error:
        if isinstance(error.orig, sqlite3.OperationalError) and "interrupted" in str(error.orig):
            raise BatchTooSlow(f"batch statements ran past {budget_ms:.0f} ms") from error
        raise
    finally:
        raw.set_progress_handler(None, 0)


def _driver(connection: Any) -> sqlite3.Connection:
    driver: sqlite3.Connection = connection.connection.driver_connection
    return driver
