"""Finding 6: a refused or failed access writes its own record once the access is rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.database import run_after_rollback
from plateguard.errors import NotFound

ACTOR = Actor("det.nair", "Det. Priya Nair", "Test PD", "Investigator")
WHY = Justification("Criminal investigation", "", "26-9")


def attempt(db: Session, error: Exception) -> None:
    with (
        pytest.raises(type(error)),
        audited_access(
            session=db, actor=ACTOR, action="reads.view", query={"read_id": "abc"}, justification=WHY
        ),
    ):
        raise error


def test_refused_and_failed_accesses_are_recorded_after_the_rollback(db: Session) -> None:
    attempt(db, NotFound("no such read"))
    attempt(db, RuntimeError("disk full"))
    assert db.scalars(select(AccessRecord).where(AccessRecord.action == "reads.view")).all() == []
    run_after_rollback(db, sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint"))
    rows = db.scalars(select(AccessRecord).where(AccessRecord.action == "reads.view")).all()
    assert [(r.outcome, r.query["refused"], r.result_count, r.case_number) for r in rows] == [
        ("refused", "no such read", 0, "26-9"),
        ("failed", "failed: RuntimeError", 0, "26-9"),
    ]
    assert all(r.query["read_id"] == "abc" for r in rows)
