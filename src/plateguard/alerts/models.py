"""Alerts: a read that matched a hotlist entry, and the officer's verification of it (460.3(f))."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.database import Base, UTCDateTime, utcnow
from plateguard.reads.models import PlateRead


class MatchKind(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    CANDIDATE = "candidate"  # an alternative reading of the plate matched exactly
    WILDCARD = "wildcard"


class AlertStatus(StrEnum):
    UNVERIFIED = "unverified"
    CONFIRMED = "confirmed"  # visual match and CLETS confirmed: enforcement may follow
    NOT_CONFIRMED = "not_confirmed"  # the visual or the CLETS check failed
    CLOSED = "closed"  # an outcome was recorded


class CletsResult(StrEnum):
    CONFIRMED = "confirmed"
    NOT_ON_FILE = "not_on_file"
    DIFFERENT_VEHICLE = "different_vehicle"


class AlertOutcome(StrEnum):
    MISREAD = "misread"
    NO_LONGER_WANTED = "no_longer_wanted"
    ENFORCEMENT_TAKEN = "enforcement_taken"
    UNABLE_TO_LOCATE = "unable_to_locate"


class Alert(Base):
    """One hit of one read on one hotlist entry; the entry is copied in, as lists are replaced."""

    __tablename__ = "alert"
    __table_args__ = (
        Index("ix_alert_created", "created_at"),
        Index("ix_alert_camera_created", "camera_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    read_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plate_read.id"), index=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"))
    hotlist_id: Mapped[int] = mapped_column(ForeignKey("hotlist.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("hotlist_entry.id", ondelete="SET NULL"), index=True
    )
    entry: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    match_kind: Mapped[MatchKind] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    state_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    retroactive: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[AlertStatus] = mapped_column(String(16), default=AlertStatus.UNVERIFIED)
    visual_match: Mapped[bool | None] = mapped_column(Boolean)
    clets_result: Mapped[CletsResult | None] = mapped_column(String(20))
    outcome: Mapped[AlertOutcome | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str | None] = mapped_column(String(64))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    read: Mapped[PlateRead] = relationship(lazy="joined")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the configured number of attempts


class AlertDelivery(Base):
    """One alert to send to one webhook or mailbox: written in the alert's own transaction (an outbox),
    sent afterwards by the delivery worker, retried with growing delays until it goes or gives up."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # "webhook" or "email"
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[DeliveryStatus] = mapped_column(String(8), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
