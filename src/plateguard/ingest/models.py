"""Messages a consumer could not store, kept with their reason until an operator replays or discards them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from plateguard.database import Base, UTCDateTime, utcnow


class DeadLetterStatus(StrEnum):
    WAITING = "waiting"
    REPLAYED = "replayed"
    DISCARDED = "discarded"


class DeadLetter(Base):
    """One message a consumer refused (malformed, unknown camera, ...); acknowledged only once saved here."""

    __tablename__ = "ingest_dead_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # mqtt
    topic: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(String(500))
    field: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=DeadLetterStatus.WAITING, index=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
