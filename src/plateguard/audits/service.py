"""Opening an audit, recording findings, signing it off, and reading audits back.

An audit is opened for a period: the sample and every rule's flags are drawn then and kept as its
items. Each item needs a finding before sign-off; after sign-off nothing of the audit changes (the
service refuses here, the database triggers of migration 0013 refuse anything that gets past it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, audited_access
from plateguard.audits import rules
from plateguard.audits.models import Audit, AuditItem, Finding
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput, NotFound

MAX_PERIOD_DAYS = 366
NOTE_NEEDED = frozenset({Finding.NEEDS_FOLLOW_UP, Finding.VIOLATION})


def period_of(settings: Settings, start: dt.date, end: dt.date) -> rules.Period:
    if end < start:
        raise InvalidInput("the period must end on or after its first day", field="period_end")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(f"an audit covers at most {MAX_PERIOD_DAYS} days", field="period_end")
    return rules.Period(start, end, ZoneInfo(settings.agency.timezone))


def open_audit(
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    start: dt.date,
    end: dt.date,
    sample_size: int | None = None,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> Audit:
    """Draw the sample and run every rule over the period; the audit and its items are kept."""
    period = period_of(settings, start, end)
    size = settings.audit.sample_size if sample_size is None else sample_size
    if not 1 <= size <= 1000:
        raise InvalidInput("sample size must be between 1 and 1000", field="sample_size")
    seed = secrets.randbits(48) if seed is None else seed
    now = now or utcnow()
    query = {"period": f"{start}..{end}", "sample_size": size, "seed": seed}
    with audited_access(
        session=session, actor=actor, action="audit.opened", query=query, justification=None
    ) as result:
        ctx = rules.load_context(session=session, settings=settings, period=period, now=now)
        flags = rules.draw_sample(ctx, size=size, seed=seed) + rules.flag_all(ctx)
        result.count = len(flags)
    audit = Audit(
        period_start=start,
        period_end=end,
        sample_size=size,
        seed=seed,
        opened_by=actor.username,
        opened_at=now,
    )
    audit.items = [
        AuditItem(
            rule=f.rule, access_sequence=f.access_sequence, subject=f.subject[:300], detail=f.detail, note=""
        )
        for f in flags
    ]
    session.add(audit)
    session.flush()
    return audit


def get_audit(*, session: Session, audit_id: int) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound(f"no audit {audit_id}")
    return audit


def view_audit(*, session: Session, actor: Actor, audit_id: int) -> Audit:
    """An audit as its page shows it: its items quote the searches they review (plates included), so
    looking at them is an access like looking at the access log itself."""
    audit = get_audit(session=session, audit_id=audit_id)
    access_log.append(
        session=session,
        actor=actor,
        action="audit.viewed",
        query={"audit": audit.id},
        result_count=len(audit.items),
    )
    return audit


def list_audits(*, session: Session) -> list[Audit]:
    return list(session.scalars(select(Audit).order_by(Audit.period_end.desc(), Audit.id.desc())))


def latest_signed(*, session: Session) -> Audit | None:
    return session.scalars(
        select(Audit).where(Audit.signed_off_at.is_not(None)).order_by(Audit.signed_off_at.desc()).limit(1)
    ).first()


def record_finding(
    *, session: Session, actor: Actor, audit_id: int, item_id: int, finding: str, note: str
) -> AuditItem:
    audit = get_audit(session=session, audit_id=audit_id)
    _refuse_if_signed(audit)
    item = session.get(AuditItem, item_id)
    if item is None or item.audit_id != audit.id:
        raise NotFound(f"no item {item_id} in audit {audit_id}")
    try:
        chosen = Finding(finding)
    except ValueError:
        choices = ", ".join(f.value for f in Finding)
        raise InvalidInput(f"finding must be one of: {choices}", field="finding") from None
    note = note.strip()
    if chosen in NOTE_NEEDED and not note:
        raise InvalidInput(f"a finding of {chosen.label.lower()} needs a note", field="note")
    item.finding, item.note, item.found_by, item.found_at = (
        chosen.value,
        note[:4000],
        actor.username,
        utcnow(),
    )
    access_log.append(
        session=session,
        actor=actor,
        action="audit.finding",
        query={"audit": audit.id, "item": item.id, "finding": chosen.value},
    )
    session.flush()
    return item


def sign_off(*, session: Session, actor: Actor, audit_id: int, summary: str) -> Audit:
    """Fix the audit for good; the access log keeps a digest of every finding as signed off."""
    audit = get_audit(session=session, audit_id=audit_id)
    _refuse_if_signed(audit)
    open_items = [item.id for item in audit.items if item.finding is None]
    if open_items:
        raise InvalidInput(
            f"{len(open_items)} item(s) have no finding yet (first: item {open_items[0]})", field="summary"
        )
    if not summary.strip():
        raise InvalidInput("sign-off needs a summary of the audit", field="summary")
    audit.summary, audit.signed_off_by, audit.signed_off_at = summary.strip()[:8000], actor.username, utcnow()
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="audit.signed_off",
        query={"audit": audit.id, "items": len(audit.items), "findings_sha256": findings_digest(audit)},
        result_count=len(audit.items),
    )
    return audit


def findings_digest(audit: Audit) -> str:
    """SHA-256 of the audit as signed off: period, summary and every item with its finding and note."""
    content: dict[str, Any] = {
        "audit": audit.id,
        "period": [audit.period_start.isoformat(), audit.period_end.isoformat()],
        "summary": audit.summary,
        "items": [[i.id, i.rule, i.access_sequence, i.subject, i.finding, i.note] for i in audit.items],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def counts(audit: Audit) -> dict[str, int]:
    """Items by finding (and how many still have none)."""
    tally = {f.value: 0 for f in Finding} | {"open": 0}
    for item in audit.items:
        tally[item.finding or "open"] += 1
    return tally


def _refuse_if_signed(audit: Audit) -> None:
    if audit.signed_off:
        signed = audit.signed_off_at.strftime("%Y-%m-%d") if audit.signed_off_at else ""
        raise Conflict(
            f"audit {audit.id} was signed off by {audit.signed_off_by} on {signed}; it cannot change"
        )
