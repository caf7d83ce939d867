"""Image files of destroyed reads: removed after their rows, through a journal that survives a crash.

A batch deletes the rows and writes each freed image's name to ``pending_file_deletion`` in the same
transaction; the files go after the commit and the journal rows after the files. A purge stopped in
between finds the journal on its next run. ``check`` proves that no file lacks a row and no row a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.guard import system_scope
from plateguard.database import insert_or_skip, transaction
from plateguard.reads.images import image_path
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.retention.models import PendingFileDeletion

TASK = "retention purge"
INCOMING_PREFIX = ".incoming-"  # a file being written by ingest (reads/images.py)


def release_images(session: Session, candidates: Iterable[str]) -> set[str]:
    """Delete the image rows no read uses any more and journal their files; returns their names."""
    shas = {sha for sha in candidates if sha}
    if not shas:
        return set()
    with system_scope(session, TASK):
        used = set(
            session.scalars(
                select(PlateRead.plate_image_sha256).where(PlateRead.plate_image_sha256.in_(shas))
            )
        )
        used |= set(
            session.scalars(
                select(PlateRead.overview_image_sha256).where(PlateRead.overview_image_sha256.in_(shas))
            )
        )
        freed = shas - used
        if freed:
            session.execute(delete(StoredImage).where(StoredImage.sha256.in_(freed)))
            table = PendingFileDeletion.__table__
            session.execute(insert_or_skip(session, table, key="sha256"), [{"sha256": s} for s in freed])  # type: ignore[arg-type]
    return freed


def remove_pending(factory: sessionmaker[Session], images_dir: Path, limit: int = 1000) -> int:
    """Remove the journaled files (unless the image was stored again meanwhile); returns files removed."""
    removed = 0
    while True:
        with transaction(factory) as session:
            pending = list(session.scalars(select(PendingFileDeletion.sha256).limit(limit)))
            if not pending:
                return removed
            with system_scope(session, TASK):
                back = set(session.scalars(select(StoredImage.sha256).where(StoredImage.sha256.in_(pending))))
        for sha in pending:
            if sha not in back:
                path = image_path(images_dir, sha)
                if path.exists():
                    path.unlink()
                    removed += 1
        with transaction(factory) as session:
            session.execute(delete(PendingFileDeletion).where(PendingFileDeletion.sha256.in_(pending)))


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
