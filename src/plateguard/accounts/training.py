"""Training courses and records (policy 460.2.1(b), 460.3(d), 460.8).

A user without current required training may sign in only to see their training status: every ALPR
function is refused with a message naming the missing or expired course.
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.database import Base, UTCDateTime, utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput

REMINDER_DAYS = 30


class TrainingCourse(Base):
    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int] = mapped_column(Integer, default=24)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingRecord(Base):
    __tablename__ = "training_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The first Administrator's own statement at `plateguard init`: nobody else existed to record it.
    attested_at_init: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    course: Mapped[TrainingCourse] = relationship(lazy="joined")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or that month's last day when it is shorter (Jan 31 + 1: Feb 28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def create_course(
    *, session: Session, name: str, validity_months: int, required: bool = True, description: str = ""
) -> TrainingCourse:
    if session.scalar(select(TrainingCourse).where(TrainingCourse.name == name)) is not None:
        raise Conflict(f"course {name!r} already exists", field="name")
    if not 1 <= validity_months <= 120:
        raise InvalidInput("validity must be 1 to 120 months", field="validity_months")
    course = TrainingCourse(
        name=name, validity_months=validity_months, required=required, description=description
    )
    session.add(course)
    session.flush()
    return course


def record_completion(
    *,
    session: Session,
    user: User,
    course: TrainingCourse,
    completed_on: dt.date,
    recorded_by: User,
    today: dt.date,
    notes: str,
    attested_at_init: bool = False,
) -> TrainingRecord:
    """Store a completion. People record training through ``record_for_another``; this is also used by
    ``plateguard init`` (the first Administrator's own statement) and by demo data. ``today`` is the
    agency's date (``AgencySettings.today``): a completion after it is refused."""
    if completed_on > today:
        raise InvalidInput("completion date is in the future", field="completed_on")
    record = TrainingRecord(
        user_id=user.id,
        course=course,
        completed_on=completed_on,
        expires_on=add_months(completed_on, course.validity_months),
        recorded_by_id=recorded_by.id,
        notes=notes,
        attested_at_init=attested_at_init,
    )
    session.add(record)
    session.flush()
    return record


def record_for_another(
    *,
    session: Session,
    user: User,
    course: TrainingCourse,
    completed_on: dt.date,
    recorded_by: User,
    today: dt.date,
    notes: str = "",
) -> TrainingRecord:
    """Two-person rule (460.3(d)): the training gate cannot be opened by the person it keeps out. The
    access record (``training.recorded``) is what the audit rule ``training_unrecorded`` checks every
    stored completion against."""
    if user.id == recorded_by.id:
        raise Forbidden("nobody may record their own training; ask the Training Manager", field="user_id")
    record = record_completion(
        session=session,
        user=user,
        course=course,
        completed_on=completed_on,
        recorded_by=recorded_by,
        today=today,
        notes=notes,
    )
    log_recorded(session=session, record=record, user=user, recorded_by=recorded_by)
    return record


def log_recorded(*, session: Session, record: TrainingRecord, user: User, recorded_by: User) -> None:
    """The access record of one stored completion: who, which course, and the dates that open the gate."""
    query: dict[str, object] = {
        "user": user.username,
        "course": record.course.name,
        "completed_on": record.completed_on.isoformat(),
        "expires_on": record.expires_on.isoformat(),
    }
    if record.attested_at_init:
        query["attested_at_init"] = True
    access_log.append(session=session, actor=Actor.of(recorded_by), action="training.recorded", query=query)


def courses(*, session: Session) -> list[TrainingCourse]:
    return list(session.scalars(select(TrainingCourse).order_by(TrainingCourse.name)))


def latest_records(*, session: Session, user: User) -> dict[int, TrainingRecord]:
    """The newest record of each course the user completed, by course id."""
    rows = session.scalars(
        select(TrainingRecord).where(TrainingRecord.user_id == user.id).order_by(TrainingRecord.expires_on)
    )
    return {row.course_id: row for row in rows}


def training_gaps(*, session: Session, user: User, today: dt.date) -> list[str]:
    """Why the user may not use ALPR functions on ``today`` (the agency's date, ``AgencySettings.today``:
    training is current through its expiry date); empty when all required training is current."""
    records = latest_records(session=session, user=user)
    gaps = []
    for course in courses(session=session):
        if not course.required:
            continue
        record = records.get(course.id)
        if record is None:
            gaps.append(f"required training '{course.name}' is not on record")
        elif record.expires_on < today:
            gaps.append(f"required training '{course.name}' expired on {record.expires_on.isoformat()}")
    return gaps


def expiring_soon(*, session: Session, user: User, today: dt.date) -> list[TrainingRecord]:
    """Current records that expire within ``REMINDER_DAYS`` of ``today`` (the agency's date), the day
    itself and the last day included."""
    horizon = today + dt.timedelta(days=REMINDER_DAYS)
    return [
        r for r in latest_records(session=session, user=user).values() if today <= r.expires_on <= horizon
    ]
