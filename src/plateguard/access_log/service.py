"""Writing and reading access records. Every access to ALPR data goes through ``audited_access``.

The guard in ``guard.py`` refuses any query on ALPR tables made outside such a scope, so the only way
to read plate reads, images or alerts is one that writes its access record in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, select, text
from sqlalchemy.orm import Session

from plateguard.access_log.chain import record_hash
from plateguard.access_log.guard import alpr_scope
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord
from plateguard.accounts.models import User
from plateguard.database import after_rollback, utcnow
from plateguard.errors import InvalidInput, PlateguardError
from plateguard.reads.plates import normalize_plate

CASE_NUMBER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/")


@dataclass(frozen=True)
class Actor:
    """The person (or the system itself) on whose behalf something is done."""

    username: str
    full_name: str
    organisation: str
    roles: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        roles = ", ".join(sorted(role.label for role in user.roles))
        return cls(user.username, user.full_name, user.agency.name, roles, user.id)

    @classmethod
    def system(cls, organisation: str, task: str) -> Actor:
        return cls(f"system:{task}", f"plateguard {task}", organisation, "system")


@dataclass(frozen=True)
class Justification:
    """Why data is being accessed: a purpose from the configured list, detail, and a case number."""

    purpose: str
    detail: str = ""
    case_number: str | None = None

    def checked(self, *, allowed: tuple[str, ...], needs_case_number: bool) -> Justification:
        if self.purpose not in allowed:
            raise InvalidInput(f"purpose must be one of: {', '.join(allowed)}", field="purpose")
        case = (self.case_number or "").strip().upper() or None
        if needs_case_number and case is None:
            raise InvalidInput("this action needs a case or incident number", field="case_number")
        if case is not None and (len(case) > 40 or not set(case) <= CASE_NUMBER_CHARACTERS):
            raise InvalidInput("case number may hold letters, digits, '-' and '/' only", field="case_number")
        return Justification(self.purpose, self.detail.strip()[:2000], case)


@dataclass
class AccessResult:
    """Filled in by the caller inside ``audited_access``: how many records the access returned."""

    count: int | None = None
    query: dict[str, Any] = field(default_factory=dict)


def append(
    *,
    session: Session,
    actor: Actor,
    action: str,
    query: dict[str, Any] | None = None,
    result_count: int | None = None,
    justification: Justification | None = None,
    outcome: str = "ok",
    now: dt.datetime | None = None,
) -> AccessRecord:
    """Append one record to the chain; the caller's transaction commits it with the access itself."""
    head = _lock_chain_head(session)
    now = now or utcnow()
    content: dict[str, Any] = {
        "sequence": head.sequence + 1,
        "occurred_at": now,
        "user_id": actor.user_id,
        "username": actor.username,
        "full_name": actor.full_name,
        "organisation": actor.organisation,
        "roles": actor.roles,
        "action": action,
        "query": query or {},
        "result_count": result_count,
        "purpose": justification.purpose if justification else None,
        "purpose_detail": justification.detail if justification else "",
        "case_number": justification.case_number if justification else None,
        "outcome": outcome,
    }
    content = {name: _storable(value) for name, value in content.items()}
    digest = record_hash(head.last_hash, content)
    record = AccessRecord(**content, previous_hash=head.last_hash, record_hash=digest)
    session.add(record)
    head.sequence, head.last_hash = content["sequence"], digest
    session.flush()
    return record


def _storable(value: Any) -> Any:
    """The NUL character made visible (U+FFFD) in every text of a record: PostgreSQL stores no NUL in text
    or JSON, and a record that cannot be written would leave the access it tells of without a trace."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, Mapping):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def _lock_chain_head(session: Session) -> AccessChainHead:
    """Take the chain head for this transaction; other writers wait until it commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(1798905200)"))
    # SQLite needs nothing more: every transaction begins IMMEDIATE, holding the write lock (database.py).
    head = session.scalar(select(AccessChainHead).where(AccessChainHead.id == 1))
    if head is None:
        head = AccessChainHead(id=1, sequence=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


@contextmanager
def audited_access(
    *,
    session: Session,
    actor: Actor,
    action: str,
    query: dict[str, Any],
    justification: Justification | None,
) -> Iterator[AccessResult]:
    """Open ALPR data for one access; the record (with the result count) is written when it closes.

    If the access is refused or fails, no data leaves it and its own record (what was asked, why it was
    refused) is written in a separate transaction once the caller's work is rolled back.
    """
    result = AccessResult(query=dict(query))
    try:
        with alpr_scope(session, action):
            yield result
    except Exception as exc:
        refused = isinstance(exc, PlateguardError)
        reason = exc.message if isinstance(exc, PlateguardError) else f"failed: {type(exc).__name__}"
        record_refusal(
            session=session,
            actor=actor,
            action=action,
            query=result.query,
            reason=reason,
            justification=justification,
            outcome="refused" if refused else "failed",
        )
        raise
    append(
        session=session,
        actor=actor,
        action=action,
        query=result.query,
        result_count=result.count,
        justification=justification,
    )


def record_refusal(
    *,
    session: Session,
    actor: Actor,
    action: str,
    query: dict[str, Any],
    reason: str,
    justification: Justification | None = None,
    outcome: str = "refused",
) -> None:
    """A refused or failed access: written on its own after the request's rollback, without the data."""
    asked = dict(query) | {"refused": reason[:500]}

    def write(side: Session) -> None:
        append(
            session=side,
            actor=actor,
            action=action,
            query=asked,
            result_count=0,
            justification=justification,
            outcome=outcome,
        )

    after_rollback(session, write)


# The Auditor's view of the log: filters on any field, alone or together, in the agency's time zone.
OUTCOMES = ("ok", "refused", "denied", "failed")


@dataclass(frozen=True)
class LogFilter:
    """What the Auditor asked for; every field optional. Dates are whole days in the agency's zone."""

    username: str = ""
    action: str = ""
    plate: str = ""
    purpose: str = ""
    case_number: str = ""
    outcome: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str]) -> LogFilter:
        """From form fields: blanks mean "any"; a malformed date is refused naming its field."""

        def day(name: str) -> dt.date | None:
            text = values.get(name, "").strip()
            try:
                return dt.date.fromisoformat(text) if text else None
            except ValueError:
                raise InvalidInput("give the date as YYYY-MM-DD", field=name) from None

        outcome = values.get("outcome", "").strip().lower()
        if outcome and outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of: {', '.join(OUTCOMES)}", field="outcome")
        found = cls(
            username=values.get("username", "").strip().lower()[:64],
            action=values.get("action", "").strip()[:48],
            plate=normalize_plate(values.get("plate", ""))[:20],
            purpose=values.get("purpose", "").strip()[:100],
            case_number=values.get("case_number", "").strip().upper()[:40],
            outcome=outcome,
            since=day("since"),
            until=day("until"),
        )
        if found.since and found.until and found.until < found.since:
            raise InvalidInput("the To date must be on or after the From date", field="until")
        return found

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (only the fields given), for links and the log's own record."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {name: str(value) for name, value in values.items() if value}


def log_query(filters: LogFilter, *, zone: ZoneInfo) -> Select[AccessRecord]:
    query = select(AccessRecord)
    if filters.username:
        query = query.where(AccessRecord.username == filters.username)
    if filters.action:
        query = query.where(AccessRecord.action.startswith(filters.action, autoescape=True))
    if filters.plate:
        query = query.where(cast(AccessRecord.query, String).contains(filters.plate, autoescape=True))
    if filters.purpose:
        query = query.where(AccessRecord.purpose == filters.purpose)
    if filters.case_number:
        query = query.where(AccessRecord.case_number == filters.case_number)
    if filters.outcome:
        query = query.where(AccessRecord.outcome == filters.outcome)
    if filters.since:
        query = query.where(AccessRecord.occurred_at >= _start_of(filters.since, zone))
    if filters.until:
        query = query.where(AccessRecord.occurred_at < _start_of(filters.until + dt.timedelta(days=1), zone))
    return query


def _start_of(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class LogPage:
    records: list[AccessRecord]
    older: int | None  # pass as ``before`` for the next page, None on the last
    newer: int | None  # pass as ``after`` for the page before, None on the first


def log_page(
    *,
    session: Session,
    filters: LogFilter,
    zone: ZoneInfo,
    before: int | None = None,
    after: int | None = None,
    size: int = 100,
) -> LogPage:
    """One page, newest first, keyed by sequence number: as quick on the millionth page as the first."""
    query = log_query(filters, zone=zone)
    if after is not None:
        rows = list(
            session.scalars(
                query.where(AccessRecord.sequence > after).order_by(AccessRecord.sequence).limit(size + 1)
            )
        )
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        more_older = True
    else:
        if before is not None:
            query = query.where(AccessRecord.sequence < before)
        rows = list(session.scalars(query.order_by(AccessRecord.sequence.desc()).limit(size + 1)))
        more_older, rows = len(rows) > size, rows[:size]
        more_newer = before is not None
    if not rows:
        return LogPage([], None, None)
    return LogPage(rows, rows[-1].sequence if more_older else None, rows[0].sequence if more_newer else None)


def readable_query(query: Mapping[str, Any]) -> str:
    """An access record's query in words: ``plate 7ABC123 · since 2026-10-01 · page 2``."""
    parts = []
    for key, value in query.items():
        if isinstance(value, Mapping):
            shown = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{key.replace('_', ' ')} {shown}".strip())
    return " · ".join(parts)
