"""Sign-off: every item needs a finding, and a signed-off audit never changes (service and database)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.roles import Role
from plateguard.audits import service as audits
from plateguard.audits.models import Audit, AuditItem
from plateguard.config import Settings
from plateguard.errors import Conflict, InvalidInput
from tests.audits.conftest import END, START, Log, at


@pytest.fixture()
def opened(db: Session, settings: Settings, make_user, log: Log) -> tuple[Audit, Actor]:  # type: ignore[no-untyped-def]
    auditor = Actor.of(make_user("aud.ruiz", Role.AUDITOR, full_name="Dana Ruiz"))
    searcher = make_user("det.nair", Role.INVESTIGATOR)
    log(searcher, "reads.search", at(6, 10), case=None)
    log(searcher, "reads.search", at(6, 11))
    audit = audits.open_audit(
        session=db, actor=auditor, settings=settings, start=START, end=END, seed=1, now=at(20, 9)
    )
    return audit, auditor


def finish(db: Session, audit: Audit, auditor: Actor) -> Audit:
    for item in audit.items:
        audits.record_finding(
            session=db, actor=auditor, audit_id=audit.id, item_id=item.id, finding="justified", note=""
        )
    return audits.sign_off(session=db, actor=auditor, audit_id=audit.id, summary="Two searches reviewed.")


def test_sign_off_needs_a_finding_on_every_item_and_a_note_on_violations(
    db: Session, opened: tuple[Audit, Actor]
) -> None:
    audit, auditor = opened
    assert len(audit.items) >= 3  # two sampled searches and the missing case number
    with pytest.raises(InvalidInput, match="have no finding yet"):
        audits.sign_off(session=db, actor=auditor, audit_id=audit.id, summary="done")
    with pytest.raises(InvalidInput, match="needs a note"):
        audits.record_finding(
            session=db,
            actor=auditor,
            audit_id=audit.id,
            item_id=audit.items[0].id,
            finding="violation",
            note=" ",
        )
    with pytest.raises(InvalidInput, match="finding must be one of"):
        audits.record_finding(
            session=db, actor=auditor, audit_id=audit.id, item_id=audit.items[0].id, finding="fine", note=""
        )


def test_a_signed_off_audit_refuses_every_change_through_the_service(
    db: Session, opened: tuple[Audit, Actor]
) -> None:
    audit, auditor = opened
    finish(db, audit, auditor)
    with pytest.raises(Conflict, match="signed off"):
        audits.record_finding(
            session=db,
            actor=auditor,
            audit_id=audit.id,
            item_id=audit.items[0].id,
            finding="violation",
            note="changed my mind",
        )
    with pytest.raises(Conflict, match="signed off"):
        audits.sign_off(session=db, actor=auditor, audit_id=audit.id, summary="a second summary")
    signed = db.scalars(select(AccessRecord).where(AccessRecord.action == "audit.signed_off")).one()
    assert signed.query["findings_sha256"] == audits.findings_digest(audit)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit SET summary = 'nothing found' WHERE id = :audit",
        "UPDATE audit SET signed_off_at = NULL WHERE id = :audit",
        "DELETE FROM audit WHERE id = :audit",
        "UPDATE audit_item SET finding = 'justified', note = 'ok' WHERE audit_id = :audit",
        "DELETE FROM audit_item WHERE audit_id = :audit",
        "INSERT INTO audit_item (audit_id, rule, subject, detail, note) VALUES (:audit, 'x', 'y', '{}', '')",
    ],
)
def test_an_insider_with_sql_cannot_edit_a_signed_off_audit(
    db: Session, opened: tuple[Audit, Actor], statement: str
) -> None:
    audit, auditor = opened
    finish(db, audit, auditor)
    before = audits.findings_digest(audit)
    with pytest.raises(DatabaseError, match="signed-off audit cannot be changed"), db.begin_nested():
        db.execute(text(statement), {"audit": audit.id})
    db.expire_all()
    assert audits.findings_digest(db.get(Audit, audit.id)) == before  # type: ignore[arg-type]


def test_the_orm_cannot_change_a_signed_off_item_either(db: Session, opened: tuple[Audit, Actor]) -> None:
    audit, auditor = opened
    finish(db, audit, auditor)
    with pytest.raises(DatabaseError), db.begin_nested():
        db.execute(update(AuditItem).where(AuditItem.audit_id == audit.id).values(note="edited"))
    with pytest.raises(DatabaseError), db.begin_nested():
        db.execute(delete(Audit).where(Audit.id == audit.id))


def test_an_open_audit_can_still_be_worked_on(db: Session, opened: tuple[Audit, Actor]) -> None:
    audit, auditor = opened
    item = audits.record_finding(
        session=db,
        actor=auditor,
        audit_id=audit.id,
        item_id=audit.items[0].id,
        finding="needs_follow_up",
        note="ask the sergeant",
    )
    assert (item.finding, item.found_by) == ("needs_follow_up", "aud.ruiz")
    assert item.found_at is not None and item.found_at <= dt.datetime.now(dt.UTC)
    assert audits.counts(audit)["needs_follow_up"] == 1
