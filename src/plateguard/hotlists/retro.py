"""Retroactive hits: a new entry is run against stored reads through the audited search path."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.alerts.models import Alert
from plateguard.alerts.service import raise_alerts
from plateguard.database import utcnow
from plateguard.hotlists.matching import Matcher, MatcherEntry
from plateguard.hotlists.models import Hotlist, HotlistEntry
from plateguard.hotlists.states import of_read
from plateguard.reads.models import PlateRead

DEFAULT_DAYS = 30


def _matcher_entry(entry: HotlistEntry) -> MatcherEntry:
    return MatcherEntry(
        entry.id,
        entry.hotlist_id,
        entry.plate_normalized,
        entry.state,
        entry.category,
        entry.expires_at.timestamp() if entry.expires_at else None,
        entry.is_wildcard,
    )


def run_against_reads(
    *,
    session: Session,
    user: User,
    entry: HotlistEntry,
    why: Justification | None,
    days: int = DEFAULT_DAYS,
) -> list[Alert]:
    """Match the entry against reads of the last ``days`` days; hits become retroactive alerts."""
    query = {"retroactive_for_entry": entry.id, "plate": entry.plate_normalized}
    return _match_reads(
        session=session, actor=Actor.of(user), entries=[entry], query=query, why=why, days=days
    )


def run_list_against_reads(
    *,
    session: Session,
    actor: Actor,
    hotlist: Hotlist,
    why: Justification | None,
    days: int = DEFAULT_DAYS,
    entry_ids: tuple[int, ...] | None = None,
) -> list[Alert]:
    """Match a freshly imported list (or only its ``entry_ids``) against the reads of the last ``days``
    days, as a hand-added entry is. A read already alerted on this list is not alerted again."""
    if days <= 0 or entry_ids == ():
        return []
    wanted = select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist.id)
    if entry_ids is not None:
        wanted = wanted.where(HotlistEntry.id.in_(entry_ids))
    with system_scope(session, "hotlist matching"):
        entries = list(session.scalars(wanted))
    if not entries:
        return []
    query = {"retroactive_for_list": hotlist.name, "entries": len(entries)}
    return _match_reads(
        session=session, actor=actor, entries=entries, query=query, why=why, days=days, list_id=hotlist.id
    )


def _match_reads(
    *,
    session: Session,
    actor: Actor,
    entries: list[HotlistEntry],
    query: dict[str, object],
    why: Justification | None,
    days: int,
    list_id: int | None = None,
) -> list[Alert]:
    now = utcnow()
    since = now - dt.timedelta(days=days)
    matcher = Matcher([_matcher_entry(entry) for entry in entries], now=now.timestamp())
    query = query | {
        "match": "exact, OCR-confusion, one character missing/extra, wildcard",
        "captured_since": since.isoformat(),
    }
    with access_log.audited_access(
        session=session, actor=actor, action="reads.search", query=query, justification=why
    ) as result:
        rows = session.execute(
            select(PlateRead.id, PlateRead.plate_normalized, PlateRead.region).where(
                PlateRead.captured_at >= since
            )
        )
        matched = {
            read_id: found
            for read_id, plate, region in rows
            if (found := list(matcher.match(plate, state=of_read(region), now=now.timestamp())))
        }
        if list_id is not None and matched:
            alerted = select(Alert.read_id).where(
                Alert.hotlist_id == list_id, Alert.read_id.in_(list(matched))
            )
            for read_id in set(session.scalars(alerted)):
                matched.pop(read_id, None)
        alerts: list[Alert] = []
        for read_id, matches in matched.items():
            read = session.get(PlateRead, read_id)
            if read is not None:
                alerts += raise_alerts(session=session, read=read, matches=matches, retroactive=True)
        result.count = len(matched)
    return alerts
