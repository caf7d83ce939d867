"""Audits, their findings and security incidents.

A signed-off audit cannot change: the service refuses, and database triggers (migration 0013) abort any
UPDATE or DELETE of a signed-off audit and any change to its items, so an insider with SQL access
cannot quietly rewrite a finding either.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plateguard.database import Base, UTCDateTime, utcnow


class Finding(StrEnum):
    JUSTIFIED = "justified"
    NEEDS_FOLLOW_UP = "needs_follow_up"
    VIOLATION = "violation"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Audit(Base):
    """One audit of a period: its sample and flags are drawn once, when it is opened."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)  # inclusive, in the agency's time zone
    sample_size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)  # the draw can be repeated from the same records
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[AuditItem]] = relationship(
        back_populates="audit", order_by="AuditItem.id", cascade="save-update, merge"
    )

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


class AuditItem(Base):
    """One sampled search or one rule's flag, and the Auditor's finding on it."""

    __tablename__ = "audit_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))  # "sample" or the name of the rule that flagged it
    access_sequence: Mapped[int | None] = mapped_column(BigInteger)  # the access record, if one
    subject: Mapped[str] = mapped_column(String(300))  # who or what, in words
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    finding: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    found_by: Mapped[str | None] = mapped_column(String(200))
    found_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    audit: Mapped[Audit] = relationship(back_populates="items")


class SecurityIncident(Base):
    """A suspected breach of ALPR data and the notices Civil Code 1798.29 / 1798.82 require."""

    __tablename__ = "security_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    discovered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    discovered_by: Mapped[str] = mapped_column(String(200))
    data_involved: Mapped[str] = mapped_column(Text)  # what data
    persons_affected: Mapped[str] = mapped_column(Text)  # whose data
    residents_affected: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    encrypted_with_key_safe: Mapped[bool] = mapped_column(default=False)  # no notice duty then
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    residents_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attorney_general_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
