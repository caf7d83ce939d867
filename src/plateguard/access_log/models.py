"""Access records: append-only and hash-chained, so any edit, removal or insertion is detectable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plateguard.database import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AccessRecord(Base):
    """Who touched which ALPR data, when, why and with what result."""

    __tablename__ = "access_record"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(48), index=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result_count: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str | None] = mapped_column(String(100))
    purpose_detail: Mapped[str] = mapped_column(Text, default="")
    case_number: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class AccessChainHead(Base):
    """One row: the newest sequence number and hash; updating it serialises appends to the chain."""

    __tablename__ = "access_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


class AccessLogAnchor(Base):
    """Where the kept chain starts after a purge of the access log's oldest records.

    Records up to and including ``sequence`` were destroyed by the retention purge; the first kept record
    (``sequence + 1``) links to ``record_hash``. The anchor is signed with the checkpoint key, so a row
    written by anyone without the key is caught by ``plateguard audit verify``; the database's triggers
    let a DELETE of an access record through only at or below the newest anchor.
    """

    __tablename__ = "access_log_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    cutoff: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    written_at: Mapped[str] = mapped_column(String(32))  # the signed text form (chain.canonical_time)
    signature: Mapped[str] = mapped_column(Text)
    destruction_record_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_record.id"))
