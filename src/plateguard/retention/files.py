"""Image files of destroyed reads: removed after their rows, through a journal that survives a crash.

A batch deletes the rows and writes each freed image's name to ``pending_file_deletion`` in the same
transaction; the files go after the commit and the journal rows after the files. A purge stopped in
between finds the journal on its next run. ``check`` proves that no file lacks a row and no row a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table, delete, select, text, union
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.database import insert_or_skip, read_only, transaction
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.retention.models import PendingFileDeletion

TASK = "retention purge"
UNLINK_THREADS = 8
PARALLEL_FROM = 500
INCOMING_PREFIX = ".incoming-"  # a file being written by ingest (reads/images.py)
READ_TABLE: Table = PlateRead.__table__  # type: ignore[assignment]
IMAGE_TABLE: Table = StoredImage.__table__  # type: ignore[assignment]
JOURNAL_TABLE: Table = PendingFileDeletion.__table__  # type: ignore[assignment]


def release_images(session: Session, candidates: Iterable[str]) -> set[str]:
    """Delete the image rows no read uses any more and journal their files; returns their names."""
    shas = {sha for sha in candidates if sha}
    if not shas:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        with system_scope(session, TASK):
            return set(session.scalars(_RELEASE_ON_POSTGRESQL, {"shas": sorted(shas)}))
    reads, images = READ_TABLE, IMAGE_TABLE
    with system_scope(session, TASK):
        still_used = union(
            select(reads.c.plate_image_sha256).where(reads.c.plate_image_sha256.in_(shas)),
            select(reads.c.overview_image_sha256).where(reads.c.overview_image_sha256.in_(shas)),
        )
        freed = shas - set(session.scalars(select(still_used.subquery().c[0])))
        if freed:
            session.execute(delete(images).where(images.c.sha256.in_(freed)))
            rows = [{"sha256": sha} for sha in freed]
            session.execute(insert_or_skip(session, JOURNAL_TABLE, key="sha256"), rows)
    return freed


# The same in one statement and one array parameter: thousands of bound values cost more to send than
# the deletes take (a dropped month frees all its images at once).
_RELEASE_ON_POSTGRESQL = text(
    "WITH freed AS (DELETE FROM stored_image i WHERE i.sha256 = ANY(CAST(:shas AS varchar[])) "
    "AND NOT EXISTS (SELECT 1 FROM plate_read r WHERE r.plate_image_sha256 = i.sha256) "
    "AND NOT EXISTS (SELECT 1 FROM plate_read r WHERE r.overview_image_sha256 = i.sha256) "
    "RETURNING i.sha256), "
    "journaled AS (INSERT INTO pending_file_deletion (sha256, queued_at) SELECT sha256, now() FROM freed "
    "ON CONFLICT (sha256) DO NOTHING) "
    "SELECT sha256 FROM freed"
)


def remove_pending(factory: sessionmaker[Session], images_dir: Path, limit: int = 5000) -> int:
    """Remove the journaled files (unless the image was stored again meanwhile); returns files removed."""
    removed = 0
    while True:
        with transaction(factory) as session:
            pending = list(session.scalars(select(PendingFileDeletion.sha256).limit(limit)))
            if not pending:
                return removed
            with system_scope(session, TASK):
                back = set(session.scalars(select(StoredImage.sha256).where(StoredImage.sha256.in_(pending))))
        gone = [_file_of(images_dir, sha) for sha in pending if sha not in back]
        if len(gone) < PARALLEL_FROM:  # a purge batch's few files: starting threads costs more than it saves
            removed += sum(map(_unlink, gone))
        else:  # removing a file waits on the disk; several at once keep a slow disk busy instead of idle
            with ThreadPoolExecutor(max_workers=UNLINK_THREADS) as pool:
                removed += sum(pool.map(_unlink, gone))
        with transaction(factory) as session:
            session.execute(delete(PendingFileDeletion).where(PendingFileDeletion.sha256.in_(pending)))


def unlink_freed(factory: sessionmaker[Session], images_dir: Path, freed: set[str]) -> int:
    """Right after a batch's commit: remove the files of the images it freed, unless stored again since.

    Their journal entries stay until the next batch's transaction clears them (``clear_journal``), which
    saves a transaction per batch; a purge stopped in between finds them with ``remove_pending``.
    """
    if not freed:
        return 0
    with read_only(factory) as session, system_scope(session, TASK):
        back = set(session.scalars(select(StoredImage.sha256).where(StoredImage.sha256.in_(freed))))
    return sum(map(_unlink, (_file_of(images_dir, sha) for sha in freed if sha not in back)))


def clear_journal(session: Session, done: set[str]) -> None:
    """Journal entries of files already removed (or stored again): nothing is left to do for them."""
    if done:
        session.execute(delete(JOURNAL_TABLE).where(JOURNAL_TABLE.c.sha256.in_(done)))


def _file_of(images_dir: Path, sha: str) -> str:
    """``reads.images.image_path`` as text: building a million Path objects costs more than the unlinks."""
    return os.path.join(images_dir, sha[:2], sha[2:4], sha)


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
    except FileNotFoundError:  # removed by a run that stopped before clearing its journal
        return 0
    return 1


@dataclass
class StoreCheck:
    """Image rows (which reads point at, under foreign keys) against the files in the image folder."""

    files: int = 0
    rows: int = 0
    orphan_files: list[str] = field(default_factory=list)  # on disk, no row (journaled ones included)
    missing_files: list[str] = field(default_factory=list)  # a row, so reads may point at it, but no file

    @property
    def clean(self) -> bool:
        return not (self.orphan_files or self.missing_files)


def check(factory: sessionmaker[Session], images_dir: Path) -> StoreCheck:
    """Compare the image folder with the image rows; files still in the journal count as orphans."""
    on_disk = {
        path.name
        for path in images_dir.glob("*/*/*")
        if path.is_file() and not path.name.startswith(INCOMING_PREFIX)
    }
    with transaction(factory) as session, system_scope(session, "retention store check"):
        rows = set(session.scalars(select(StoredImage.sha256)))
    return StoreCheck(len(on_disk), len(rows), sorted(on_disk - rows), sorted(rows - on_disk))
