"""Retention schedules, legal holds, destruction records and the purge's pending file deletions."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.database import Base, UTCDateTime, utcnow
from plateguard.reads.models import PlateRead

# The purge asks "does any read still use this image?" after each batch; without these it scans every read.
Index("ix_plate_read_plate_image", PlateRead.plate_image_sha256)
Index("ix_plate_read_overview_image", PlateRead.overview_image_sha256)


class DataKind(StrEnum):
    READS = "reads"  # plate reads and their images
    ALERTS = "alerts"
    HOTLIST_HISTORY = "hotlist_history"  # expired hotlist entries and resolved notices
    ACCESS_LOG = "access_log"
    RELEASE_REQUESTS = "release_requests"


class ScheduleStatus(StrEnum):
    PROPOSED = "proposed"  # set by the Records Custodian, awaiting the Administrator
    APPROVED = "approved"  # in force (the newest approved one per kind)
    REJECTED = "rejected"


class RetentionSchedule(Base):
    """How long one kind of data is kept; in force only once the Administrator approved it."""

    __tablename__ = "retention_schedule"
    __table_args__ = (Index("ix_retention_schedule_kind_status", "data_kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    data_kind: Mapped[DataKind] = mapped_column(String(24))
    days: Mapped[int] = mapped_column(Integer)
    legal_override: Mapped[str] = mapped_column(Text, default="")  # why reads may go below one year
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ScheduleStatus] = mapped_column(String(12), default=ScheduleStatus.PROPOSED)
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class HoldReason(StrEnum):
    EVIDENCE = "evidence"
    LITIGATION = "litigation"
    DISCOVERY_REQUEST = "discovery_request"
    PUBLIC_RECORDS_REQUEST = "public_records_request"


class LegalHold(Base):
    """Reads tied to a case: kept through every purge until an authorized user releases the hold."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[HoldReason] = mapped_column(String(24))
    requester: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(Text)

    reads: Mapped[list[HeldRead]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="hold"
    )

    @property
    def active(self) -> bool:
        return self.released_at is None


class HeldRead(Base):
    """One read under one hold; the capture time is kept so a partition's holds are found by month."""

    __tablename__ = "legal_hold_read"
    __table_args__ = (Index("ix_legal_hold_read_captured", "captured_at"),)

    hold_id: Mapped[int] = mapped_column(ForeignKey("legal_hold.id"), primary_key=True)
    read_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    hold: Mapped[LegalHold] = relationship(back_populates="reads")


class DestructionRecord(Base):
    """What a purge destroyed: kind, how many, the capture-date range, by which schedule, approved by whom."""

    __tablename__ = "destruction_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_kind: Mapped[DataKind] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    oldest: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    newest: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cutoff: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("retention_schedule.id"))
    schedule_days: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(200))
    run_by: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(200), default="rows")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PendingFileDeletion(Base):
    """An image file whose row was deleted; written in the same transaction, removed once the file is gone.

    A purge interrupted between the commit and the unlink finds these on its next run, so no file is left
    behind without a row.
    """

    __tablename__ = "pending_file_deletion"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
