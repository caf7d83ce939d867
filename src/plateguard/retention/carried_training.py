"""Training completions whose recording goes with a purged part of the access log, carried into the kept log.

The audit rule ``training_unrecorded`` checks every stored completion against the access record of its
recording (``training.recorded``: who, which course, which dates). A purge of the log's oldest records
destroys some of those records. Before it does, the facts they hold for completions still stored are
written into one new access record (``access_log.carried``) in the same transaction as the purge's
signed anchor, so they stay in the hash chain; a later purge carries them on again. The rule reads both,
so a completion recorded through plateguard is never flagged after a purge, while one inserted or
changed in the database directly still is, whatever recording time it was given.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.accounts.training import TrainingRecord

RECORDED, CARRIED = "training.recorded", "access_log.carried"

Fact = tuple[Any, ...]
"""(username, course, completed_on, expires_on) as recorded; a first Administrator's statement at
``init`` logged by an earlier version named neither course nor expiry: (username, None, completed, None)."""


def _facts(action: str, query: dict[str, Any]) -> set[Fact]:
    if action == RECORDED:
        return {(query.get("user"), query.get("course"), query.get("completed_on"), query.get("expires_on"))}
    return {tuple(fact) for fact in query.get("training", []) if isinstance(fact, list) and len(fact) == 4}


def recorded_facts(session: Session, *, through: int | None = None) -> set[Fact]:
    """Every completion's facts the kept access log vouches for (through a sequence number, if given)."""
    query = select(AccessRecord.action, AccessRecord.query)
    query = query.where(AccessRecord.action.in_((RECORDED, CARRIED)))
    if through is not None:
        query = query.where(AccessRecord.sequence <= through)
    facts: set[Fact] = set()
    for action, asked in session.execute(query):
        facts |= _facts(action, asked or {})
    return facts


def stored_facts(session: Session) -> set[Fact]:
    """The facts of every completion stored now, in both recorded forms."""
    usernames = {row.id: row.username for row in session.execute(select(User.id, User.username))}
    facts: set[Fact] = set()
    for record in session.scalars(select(TrainingRecord)):
        user, completed = usernames.get(record.user_id), record.completed_on.isoformat()
        facts.add((user, record.course.name, completed, record.expires_on.isoformat()))
        if record.attested_at_init:
            facts.add((user, None, completed, None))
    return facts


def carry(*, session: Session, actor: Actor, through: int) -> int:
    """Before the records through ``through`` are destroyed: their facts of completions still stored, in
    one new access record. Returns how many were carried (none: no record)."""
    carried = sorted(recorded_facts(session, through=through) & stored_facts(session), key=repr)
    if carried:
        access_log.append(
            session=session,
            actor=actor,
            action=CARRIED,
            query={"through": through, "training": [list(fact) for fact in carried]},
            result_count=len(carried),
        )
    return len(carried)
