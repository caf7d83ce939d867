"""Retention schedules: proposed by the Records Custodian, approved by the Administrator, both recorded.

Reads are kept at least one year (Gov. Code 34090.6) unless a schedule names its legal override; the
access log is kept at least as long as the reads it describes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from plateguard.retention.models import DataKind, RetentionSchedule, ScheduleStatus
from plateguard.retention.schemas import ScheduleCreate

READS_MINIMUM_DAYS = 365  # Gov. Code 34090.6: one year
LEGAL_MINIMUM = "Gov. Code 34090.6 requires keeping ALPR reads at least one year (365 days)"


def name_of(actor: Actor) -> str:
    return f"{actor.full_name} ({actor.username})"


def get(*, session: Session, schedule_id: int) -> RetentionSchedule:
    schedule = session.get(RetentionSchedule, schedule_id)
    if schedule is None:
        raise NotFound(f"no retention schedule {schedule_id}", field="schedule_id")
    return schedule


def in_force(*, session: Session, kind: DataKind) -> RetentionSchedule | None:
    """The newest approved schedule for a kind of data, or None (then nothing of that kind is purged)."""
    query = (
        select(RetentionSchedule)
        .where(RetentionSchedule.data_kind == kind, RetentionSchedule.status == ScheduleStatus.APPROVED)
        .order_by(RetentionSchedule.decided_at.desc(), RetentionSchedule.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def list_(*, session: Session) -> list[RetentionSchedule]:
    return list(session.scalars(select(RetentionSchedule).order_by(RetentionSchedule.id.desc())))


def propose(*, session: Session, actor: Actor, form: ScheduleCreate) -> RetentionSchedule:
    """Record a proposed schedule; it takes effect only when the Administrator approves it."""
    _check_floor(session, form.data_kind, form.days, form.legal_override.strip())
    schedule = RetentionSchedule(
        data_kind=form.data_kind,
        days=form.days,
        legal_override=form.legal_override.strip(),
        note=form.note.strip(),
        status=ScheduleStatus.PROPOSED,
        proposed_by=name_of(actor),
    )
    session.add(schedule)
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="retention.schedule_proposed",
        query={
            "schedule": schedule.id,
            "kind": form.data_kind.value,
            "days": form.days,
            "legal_override": schedule.legal_override,
        },
    )
    return schedule


def decide(
    *, session: Session, actor: Actor, schedule_id: int, approve: bool, note: str = ""
) -> RetentionSchedule:
    """The Administrator's step: approve (the schedule comes into force) or reject, with a note."""
    schedule = get(session=session, schedule_id=schedule_id)
    if schedule.status != ScheduleStatus.PROPOSED:
        raise Conflict(f"schedule {schedule_id} was already {schedule.status}", field="schedule_id")
    if schedule.proposed_by == name_of(actor):
        raise Forbidden("a schedule is approved by someone other than the person who proposed it")
    if approve:
        _check_floor(session, DataKind(schedule.data_kind), schedule.days, schedule.legal_override)
    schedule.status = ScheduleStatus.APPROVED if approve else ScheduleStatus.REJECTED
    schedule.decided_by, schedule.decided_at = name_of(actor), utcnow()
    schedule.decision_note = note.strip()[:2000]
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="retention.schedule_approved" if approve else "retention.schedule_rejected",
        query={
            "schedule": schedule.id,
            "kind": schedule.data_kind,
            "days": schedule.days,
            "legal_override": schedule.legal_override,
            "note": schedule.decision_note,
        },
    )
    return schedule


def _check_floor(session: Session, kind: DataKind, days: int, legal_override: str) -> None:
    if kind is DataKind.READS and days < READS_MINIMUM_DAYS and not legal_override:
        raise InvalidInput(
            f"{LEGAL_MINIMUM}; a shorter period needs a legal override naming its authority", field="days"
        )
    reads = in_force(session=session, kind=DataKind.READS)
    reads_days = reads.days if reads is not None else READS_MINIMUM_DAYS
    if kind is DataKind.ACCESS_LOG and days < reads_days:
        raise InvalidInput(
            f"the access log is kept at least as long as the reads it describes ({reads_days} days)",
            field="days",
        )
    access = in_force(session=session, kind=DataKind.ACCESS_LOG)
    if kind is DataKind.READS and access is not None and access.days < days:
        raise InvalidInput(
            f"reads kept {days} days would outlive their access records ({access.days} days); "
            "lengthen the access-log schedule first",
            field="days",
        )


def cutoff(schedule: RetentionSchedule, *, now: dt.datetime | None = None) -> dt.datetime:
    """Data captured (or created) before this moment has passed its retention period."""
    return (now or utcnow()) - dt.timedelta(days=schedule.days)
