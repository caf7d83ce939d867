"""Evidence packages made: the chain of custody as the agency keeps it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plateguard.database import Base, UTCDateTime, utcnow


class EvidenceExport(Base):
    """One package: who made it, when, why, for which case and recipient, and its fingerprint."""

    __tablename__ = "evidence_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    exported_by: Mapped[str] = mapped_column(String(200))
    exported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    recipient_agency: Mapped[str] = mapped_column(String(200))
    release_request_id: Mapped[int | None] = mapped_column(Integer)
    reads: Mapped[int] = mapped_column(Integer)
    files: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    key_fingerprint: Mapped[str] = mapped_column(String(64))
