"""Written requests from other agencies for ALPR data (460.7), with the decision and the fulfilment."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plateguard.database import Base, UTCDateTime, utcnow


class RequesterKind(StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    PROSECUTOR = "prosecutor"
    OTHER_PUBLIC = "other_public"  # a public agency that is neither police nor prosecutor
    FEDERAL = "federal"
    PRIVATE = "private"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"  # recorded, awaiting the Administrator or designee
    REFUSED = "refused"  # the sharing rules forbid this requester; the rule is named
    PUBLIC_RECORDS = "public_records"  # routed to the public-records process instead
    APPROVED = "approved"
    DENIED = "denied"
    FULFILLED = "fulfilled"


class ReleaseRequest(Base):
    """One written request, its original document, the decision and the package that answered it."""

    __tablename__ = "release_request"
    __table_args__ = (Index("ix_release_request_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_name: Mapped[str] = mapped_column(String(200))
    agency_state: Mapped[str] = mapped_column(String(2))
    requester_kind: Mapped[RequesterKind] = mapped_column(String(20))
    requester_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    data_requested: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str] = mapped_column(String(40))
    legal_basis: Mapped[str] = mapped_column(Text)
    document_name: Mapped[str] = mapped_column(String(200))
    document_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[RequestStatus] = mapped_column(String(16), default=RequestStatus.SUBMITTED)
    rule: Mapped[str] = mapped_column(Text, default="")  # the sharing rule that refused or routed it
    recorded_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    approved_scope: Mapped[str] = mapped_column(Text, default="")  # what was approved, in words
    fulfilled_by: Mapped[str | None] = mapped_column(String(200))
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    package_reads: Mapped[int | None] = mapped_column(Integer)
