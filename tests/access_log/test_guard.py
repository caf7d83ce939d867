"""ALPR tables cannot be read without an access record; the system's own exceptions are a fixed list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import AccessNotRecorded, system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.reads.models import PlateRead, StoredImage

SOURCE = Path(__file__).resolve().parents[2] / "src" / "plateguard"
# Every module allowed to read ALPR tables for the system's own work, and why (docs/access-log.md).
SYSTEM_SCOPE_USERS = {
    "reads/images.py": "de-duplication of an identical image",
    "ingest/service.py": "ingest de-duplication within a batch",
    "hotlists/live.py": "building the in-memory hotlist matcher",
    "hotlists/service.py": "hotlist entries for list maintenance",
    "hotlists/retro.py": "a list's new entries, to match them against recent reads (an audited search)",
    "alerts/service.py": "raising alerts for a new read",
    "alerts/delivery.py": "sending an alert to a configured webhook or mailbox (itself an access record)",
    "alerts/statistics.py": "misread counts per camera (aggregates)",
    "cameras/health.py": "last read time and read rate per camera (aggregates)",
    "statistics.py": "dashboard counts (aggregates)",
    "audits/statistics.py": "figures for reports, dashboards and the transparency page (aggregates)",
    "audits/transparency.py": "public transparency counts (aggregates)",
    "demo.py": "loading demo data",
    "demo_audits.py": "loading demo data (alerts verified for the demo audit)",
    "demo_tour.py": "finding the demo reads the printed tour names",
    "ingest/passes.py": "updating a stored read with a later reading of the same pass (no plate shown)",
    "database.py": "schema migrations that rebuild ALPR tables",
    "retention/purge.py": "finding and destroying expired reads (no plate shown; each run is recorded)",
    "retention/partitions.py": "dropping whole expired months of reads (PostgreSQL)",
    "retention/files.py": "destroying image rows no read uses any more; the image-store check",
    "retention/purge_other.py": "destroying expired alerts and hotlist history",
    "retention/purge_access_log.py": "the capture time of the oldest read still stored (no plate)",
}


def test_reading_plate_reads_outside_an_audited_access_is_refused(db: Session) -> None:
    for statement in (
        select(PlateRead),
        select(func.count()).select_from(PlateRead),
        select(StoredImage.sha256),
    ):
        with pytest.raises(AccessNotRecorded):
            db.execute(statement)


def test_an_audited_access_reads_and_leaves_its_record(db: Session) -> None:
    actor = Actor("det.nair", "Det. Priya Nair", "Test PD", "Investigator")
    justification = Justification("Criminal investigation", "", "26-1234")
    with audited_access(
        session=db,
        actor=actor,
        action="reads.search",
        query={"plate": "7ABC123"},
        justification=justification,
    ) as result:
        result.count = len(db.scalars(select(PlateRead).where(PlateRead.plate_normalized == "7ABC123")).all())
    record = db.scalars(select(AccessRecord).order_by(AccessRecord.sequence.desc())).first()
    assert record is not None
    assert (record.username, record.query, record.result_count, record.case_number) == (
        "det.nair",
        {"plate": "7ABC123"},
        0,
        "26-1234",
    )
    with pytest.raises(AccessNotRecorded):
        db.execute(select(PlateRead))


def test_system_scope_is_used_only_where_documented() -> None:
    users = {
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if re.search(r"\bsystem_scope\(", path.read_text()) and path.name != "guard.py"
    }
    assert users == set(SYSTEM_SCOPE_USERS), "document a new system_scope use in docs/access-log.md and here"


def test_system_scope_lets_the_system_count(db: Session) -> None:
    with system_scope(db, "test"):
        assert db.scalar(select(func.count()).select_from(PlateRead)) == 0
