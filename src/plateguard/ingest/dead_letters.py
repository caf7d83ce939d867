"""Dead letters: messages a consumer could not parse or store, kept with their reason.

A consumer acknowledges a message to its broker only after the read was committed or after the message
was saved here, in the same transaction. Operators see them on the cameras page, in the consumer's
metrics and with ``plateguard dead-letters list|replay|discard``. Replaying stores the message
through the same path as when it arrived (after, say, the camera was registered); it stays here with its
new reason if it still cannot be stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.database import utcnow
from plateguard.errors import Conflict, NotFound
from plateguard.ingest.models import DeadLetter, DeadLetterStatus

MAX_PAYLOAD = 1024 * 1024  # larger messages keep their first MiB (and cannot be replayed)
MAX_REASON = 500


def record(
    *, session: Session, source: str, topic: str, reason: str, field: str | None, payload: bytes
) -> DeadLetter:
    truncated = len(payload) > MAX_PAYLOAD
    if truncated:
        reason = f"{reason} (message of {len(payload)} bytes; only the first {MAX_PAYLOAD} kept)"
    letter = DeadLetter(
        source=source,
        topic=topic[:256],
        reason=reason[:MAX_REASON],
        field=(field or None) and field[:200],
        payload=payload[:MAX_PAYLOAD],
        status=DeadLetterStatus.WAITING,
        received_at=utcnow(),
    )
    session.add(letter)
    session.flush()
    return letter


def list_(
    *, session: Session, status: DeadLetterStatus | None = DeadLetterStatus.WAITING, limit: int = 100
) -> list[DeadLetter]:
    # A waiting message can hold plates: the listing shows when, where from and why, never the message.
    query = select(DeadLetter).options(defer(DeadLetter.payload)).order_by(DeadLetter.id.desc()).limit(limit)
    if status is not None:
        query = query.where(DeadLetter.status == status)
    return list(session.scalars(query))


def waiting_count(*, session: Session) -> int:
    query = select(func.count()).select_from(DeadLetter).where(DeadLetter.status == DeadLetterStatus.WAITING)
    return int(session.scalar(query) or 0)


def get(*, session: Session, letter_id: int) -> DeadLetter:
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {letter_id}", field="letter_id")
    if letter.status != DeadLetterStatus.WAITING:
        raise Conflict(f"dead letter {letter_id} was {letter.status} already", field="letter_id")
    return letter


def discard(*, session: Session, letter_id: int, actor: Actor) -> DeadLetter:
    letter = get(session=session, letter_id=letter_id)
    letter.status, letter.resolved_at = DeadLetterStatus.DISCARDED, utcnow()
    letter.resolved_by = actor.username
    letter.payload = b""  # a discarded message keeps its reason, not its (plate) content
    session.flush()
    _record(session, actor, "dead_letters.discarded", letter)
    return letter


def _record(session: Session, actor: Actor, action: str, letter: DeadLetter) -> None:
    query = {"dead_letter": letter.id, "source": letter.source, "topic": letter.topic}
    access_log.append(session=session, actor=actor, action=action, query=query)


@dataclass(frozen=True)
class ReplayOutcome:
    stored: bool
    detail: str  # the outcome ("stored", "duplicate", ...) or the reason it still fails


# Stores one message (topic, payload) the way its consumer does; returns the outcome or raises.
Store = Callable[[Session, str, bytes], str]


def replay(*, session: Session, letter_id: int, actor: Actor, store: Store) -> ReplayOutcome:
    """Store the message again (in a savepoint); on success it is marked replayed, else its reason updated."""
    from plateguard.ingest.mqtt import failure_of

    letter = get(session=session, letter_id=letter_id)
    try:
        with session.begin_nested():
            outcome = store(session, letter.topic, letter.payload)
    except Exception as exc:
        reason, field = failure_of(exc)
        letter.reason, letter.field = reason[:MAX_REASON], field
        session.flush()
        _record(session, actor, "dead_letters.replay_failed", letter)
        return ReplayOutcome(False, reason)
    letter.status, letter.resolved_at = DeadLetterStatus.REPLAYED, utcnow()
    letter.resolved_by = actor.username
    session.flush()
    _record(session, actor, "dead_letters.replayed", letter)
    return ReplayOutcome(True, outcome)
