"""Writing and reading access records. Every access to ALPR data goes through ``audited_access``.

The guard in ``guard.py`` refuses any query on ALPR tables made outside such a scope, so the only way
to read plate reads, images or alerts is one that writes its access record in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from plateguard.access_log.chain import record_hash
from plateguard.access_log.guard import alpr_scope
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord
from plateguard.accounts.models import User
from plateguard.database import after_rollback, utcnow
from plateguard.errors import InvalidInput, PlateguardError

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
    digest = record_hash(head.last_hash, content)
    record = AccessRecord(**content, previous_hash=head.last_hash, record_hash=digest)
    session.add(record)
    head.sequence, head.last_hash = content["sequence"], digest
    session.flush()
    return record


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
