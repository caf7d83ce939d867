"""Fixed cameras and mobile units, with their installation and maintenance log (policy 460.2)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.database import Base, UTCDateTime, utcnow


class CameraKind(StrEnum):
    FIXED = "fixed"
    MOBILE = "mobile"


class CameraStatus(StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class Camera(Base):
    __tablename__ = "camera"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[CameraKind] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(200), default="")
    group_name: Mapped[str] = mapped_column(String(60), default="", server_default="")  # e.g. "Downtown"
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[CameraStatus] = mapped_column(String(16), default=CameraStatus.ACTIVE)
    expected_interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    log_entries: Mapped[list[CameraLogEntry]] = relationship(
        back_populates="camera", order_by="CameraLogEntry.occurred_at"
    )


class CameraLogKind(StrEnum):
    INSTALLATION = "installation"
    MAINTENANCE = "maintenance"
    INSPECTION = "inspection"
    RELOCATION = "relocation"
    REMOVAL = "removal"


class CameraLogEntry(Base):
    __tablename__ = "camera_log_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    kind: Mapped[CameraLogKind] = mapped_column(String(16))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    performed_by: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    camera: Mapped[Camera] = relationship(back_populates="log_entries")


class DeviceToken(Base):
    """A camera's or mobile unit's API token: shown once, stored as a hash, revocable."""

    __tablename__ = "device_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    camera: Mapped[Camera] = relationship(lazy="joined")
