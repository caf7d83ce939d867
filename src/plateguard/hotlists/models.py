"""Hotlists, their entries, per-list access grants and the notices an Administrator must see."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.database import Base, UTCDateTime, utcnow


class HotlistSource(StrEnum):
    STATE = "state"
    FEDERAL = "federal"
    DEPARTMENT = "department"
    MANUAL = "manual"


class HotlistCategory(StrEnum):
    STOLEN_VEHICLE = "stolen_vehicle"
    STOLEN_PLATE = "stolen_plate"
    WANTED_PERSON = "wanted_person"
    MISSING_PERSON = "missing_person"
    WARRANT = "warrant"
    FELONY_VEHICLE = "felony_vehicle"
    BOLO = "bolo"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    HotlistCategory.STOLEN_VEHICLE: "Stolen vehicle",
    HotlistCategory.STOLEN_PLATE: "Stolen plate",
    HotlistCategory.WANTED_PERSON: "Wanted person",
    HotlistCategory.MISSING_PERSON: "Missing person / AMBER",
    HotlistCategory.WARRANT: "Warrant",
    HotlistCategory.FELONY_VEHICLE: "Felony vehicle",
    HotlistCategory.BOLO: "BOLO",
    HotlistCategory.OTHER: "Other",
}

# Lists derived from state or federal systems are visible only to users granted them (460.3(e)).
RESTRICTED_SOURCES = frozenset({HotlistSource.STATE, HotlistSource.FEDERAL})


class Hotlist(Base):
    __tablename__ = "hotlist"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[HotlistSource] = mapped_column(String(16))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    file_format: Mapped[str] = mapped_column(String(16), default="csv")
    refresh_path: Mapped[str | None] = mapped_column(String(500))
    max_age_hours: Mapped[int] = mapped_column(Integer, default=26)
    last_loaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_refresh_error: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlistEntry(Base):
    """One wanted plate (or a partial plate with ``?`` and ``*`` wildcards) on one list."""

    __tablename__ = "hotlist_entry"
    __table_args__ = (Index("ix_hotlist_entry_list_plate", "hotlist_id", "plate_normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hotlist_id: Mapped[int] = mapped_column(ForeignKey("hotlist.id"))
    plate: Mapped[str] = mapped_column(String(20))
    plate_normalized: Mapped[str] = mapped_column(String(20))
    state: Mapped[str | None] = mapped_column(String(2))
    category: Mapped[HotlistCategory] = mapped_column(String(20))
    vehicle_description: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    case_number: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(20))
    purpose: Mapped[str | None] = mapped_column(String(200))
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    is_wildcard: Mapped[bool] = mapped_column(Boolean, default=False)
    # An entry taken off a list by hand is ended, never deleted: the list's history stays auditable.
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)

    hotlist: Mapped[Hotlist] = relationship(lazy="joined")


class HotlistGrant(Base):
    """A user authorised to see one restricted list."""

    __tablename__ = "hotlist_grant"
    __table_args__ = (UniqueConstraint("hotlist_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hotlist_id: Mapped[int] = mapped_column(ForeignKey("hotlist.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlistNotice(Base):
    """Something the Administrator must act on: a failed refresh or a list older than allowed."""

    __tablename__ = "hotlist_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    hotlist_id: Mapped[int | None] = mapped_column(ForeignKey("hotlist.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    repeats: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # times raised while open
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # when raised again, the latest
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
