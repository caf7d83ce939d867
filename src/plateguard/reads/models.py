"""Plate reads and the content-addressed image store behind them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.cameras.models import Camera
from plateguard.database import Base, UTCDateTime, utcnow


class StoredImage(Base):
    """An image kept once on disk under images/, named by the SHA-256 of its bytes."""

    __tablename__ = "stored_image"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlateRead(Base):
    """One plate seen by one camera at one moment."""

    __tablename__ = "plate_read"
    __table_args__ = (
        Index("ix_plate_read_plate_captured", "plate_normalized", "captured_at"),
        Index("ix_plate_read_camera_captured", "camera_id", "captured_at"),
        # The spatial prefilter of a canvass (bounding box); see migration 0005.
        Index("ix_plate_read_lat_lon", "latitude", "longitude"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"))
    plate_text: Mapped[str] = mapped_column(String(16))
    plate_normalized: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    region: Mapped[str | None] = mapped_column(String(8))
    region_confidence: Mapped[float | None] = mapped_column(Float)
    # A region code that maps to no known state or country, kept as the sender wrote it (a flag).
    region_unmapped: Mapped[str | None] = mapped_column(String(32))
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    box: Mapped[list[int] | None] = mapped_column(JSON)
    vehicle: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plate_image_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_image.sha256"))
    overview_image_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_image.sha256"))

    camera: Mapped[Camera] = relationship(lazy="joined")


class PlateReadId(Base):
    """On PostgreSQL, every read id stored, once, with its camera: a read id is unique across the store.

    There ``plate_read`` is partitioned by capture time and cannot hold a unique index on the id alone;
    this table can, and tells which camera owns an id and in which partition its read lies. On SQLite
    ``plate_read``'s own primary key does the same and this table stays unused.
    """

    __tablename__ = "plate_read_id"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id"))
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PlateReadRevision(Base):
    """A change of a stored read's plate: a later, more confident reading of the same vehicle pass."""

    __tablename__ = "plate_read_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    read_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    plate_before: Mapped[str] = mapped_column(String(16))
    confidence_before: Mapped[float] = mapped_column(Float)
    plate_after: Mapped[str] = mapped_column(String(16))
    confidence_after: Mapped[float] = mapped_column(Float)
    # Whether the read had already raised an alert when it changed (the alert keeps the old text).
    had_alert: Mapped[bool] = mapped_column(Boolean, default=False)
