"""Legal holds: reads tied to a case survive every purge until an authorized user releases the hold."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.database import utcnow
from plateguard.errors import Conflict, InvalidInput, NotFound
from plateguard.reads.models import PlateRead
from plateguard.reads.search import service as search_service
from plateguard.retention.models import HeldRead, LegalHold
from plateguard.retention.schemas import HoldCreate
from plateguard.retention.service import name_of

MAX_HELD_READS = 100_000
HOLD_PURPOSE = "Legal hold"


def get(*, session: Session, hold_id: int) -> LegalHold:
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound(f"no legal hold {hold_id}", field="hold_id")
    return hold


def list_(*, session: Session, active_only: bool = False) -> list[LegalHold]:
    query = select(LegalHold).order_by(LegalHold.id.desc())
    if active_only:
        query = query.where(LegalHold.released_at.is_(None))
    return list(session.scalars(query))


def review(*, session: Session, actor: Actor) -> list[LegalHold]:
    """Every hold, for the holds page: the criteria name plates, so the look is itself an access record."""
    found = list_(session=session)
    access_log.append(
        session=session,
        actor=actor,
        action="holds.viewed",
        query={"holds": [hold.id for hold in found[:200]]},
        result_count=len(found),
    )
    return found


def place(*, session: Session, actor: Actor, form: HoldCreate) -> LegalHold:
    """Find the reads the criteria name (an audited search) and hold them under the case number."""
    checked = Justification(HOLD_PURPOSE, form.reason.value, form.case_number).checked(
        allowed=(HOLD_PURPOSE,), needs_case_number=True
    )
    criteria = form.criteria
    with audited_access(
        session=session,
        actor=actor,
        action="holds.placed",
        query={"reason": form.reason.value, "requester": form.requester, **criteria.audit_form()},
        justification=checked,
    ) as result:
        reads = _matching(session, form)
        if not reads:
            raise InvalidInput("no stored reads match; nothing to hold", field="criteria")
        hold = LegalHold(
            case_number=checked.case_number,
            reason=form.reason,
            requester=form.requester.strip(),
            detail=form.detail.strip(),
            criteria=criteria.audit_form(),
            created_by=name_of(actor),
        )
        hold.reads = [HeldRead(read_id=read.id, captured_at=read.captured_at) for read in reads]
        session.add(hold)
        session.flush()
        result.count = len(reads)
        result.query["hold"] = hold.id
    return hold


def _matching(session: Session, form: HoldCreate) -> list[PlateRead]:
    found: dict[object, PlateRead] = {}
    query = form.criteria.search()
    if query is not None:
        for read in search_service.all_matching(session=session, query=query, limit=MAX_HELD_READS):
            found[read.id] = read
    if form.criteria.read_ids:
        named = list(session.scalars(select(PlateRead).where(PlateRead.id.in_(form.criteria.read_ids))))
        if len(named) < len(set(form.criteria.read_ids)):
            raise InvalidInput("some of the named reads are not stored", field="read_ids")
        found.update((read.id, read) for read in named)
    return list(found.values())


def release(*, session: Session, actor: Actor, hold_id: int, reason: str) -> LegalHold:
    """End a hold with a logged reason; its reads fall back under the retention schedule."""
    hold = get(session=session, hold_id=hold_id)
    if not hold.active:
        raise Conflict(f"hold {hold_id} was already released", field="hold_id")
    reason = reason.strip()
    if len(reason) < 10:
        raise InvalidInput("say why the hold ends (at least 10 characters)", field="reason")
    hold.released_by, hold.released_at, hold.release_reason = name_of(actor), utcnow(), reason[:2000]
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="holds.released",
        query={"hold": hold.id, "reason": hold.release_reason, "reads": len(hold.reads)},
        justification=Justification(HOLD_PURPOSE, reason, hold.case_number),
    )
    return hold


def held_ids(*, session: Session, case_number: str) -> list[HeldRead]:
    """The reads under the active holds of one case."""
    query = (
        select(HeldRead)
        .join(LegalHold)
        .where(LegalHold.case_number == case_number.strip().upper(), LegalHold.released_at.is_(None))
    )
    unique: dict[object, HeldRead] = {}
    for held in session.scalars(query):
        unique.setdefault(held.read_id, held)
    return list(unique.values())
