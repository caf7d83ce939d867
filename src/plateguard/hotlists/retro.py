"""Retroactive hits: a new entry is run against stored reads through the audited search path."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.alerts.models import Alert
from plateguard.alerts.service import raise_alerts
from plateguard.database import utcnow
from plateguard.hotlists.matching import Matcher, MatcherEntry
from plateguard.hotlists.models import HotlistEntry
from plateguard.hotlists.states import of_read
from plateguard.reads.models import PlateRead

DEFAULT_DAYS = 30


def run_against_reads(
    *,
    session: Session,
    user: User,
    entry: HotlistEntry,
    why: Justification | None,
    days: int = DEFAULT_DAYS,
) -> list[Alert]:
    """Match the entry against reads of the last ``days`` days; hits become retroactive alerts."""
    now = utcnow()
    since = now - dt.timedelta(days=days)
    matcher = Matcher(
        [
            MatcherEntry(
                entry.id,
                entry.hotlist_id,
                entry.plate_normalized,
                entry.state,
                entry.category,
                entry.expires_at.timestamp() if entry.expires_at else None,
                entry.is_wildcard,
            )
        ],
        now=now.timestamp(),
    )
    query = {
        "retroactive_for_entry": entry.id,
        "plate": entry.plate_normalized,
        "match": "exact, OCR-confusion, one character missing/extra, wildcard",
        "captured_since": since.isoformat(),
    }
    hits: list[tuple[PlateRead, list[object]]] = []
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="reads.search", query=query, justification=why
    ) as result:
        rows = session.execute(
            select(PlateRead.id, PlateRead.plate_normalized, PlateRead.region).where(
                PlateRead.captured_at >= since
            )
        )
        matched_ids = [
            read_id
            for read_id, plate, region in rows
            if matcher.match(plate, state=of_read(region), now=now.timestamp())
        ]
        for read_id in matched_ids:
            read = session.get(PlateRead, read_id)
            if read is not None:
                hits.append(
                    (
                        read,
                        list(
                            matcher.match(
                                read.plate_normalized, state=of_read(read.region), now=now.timestamp()
                            )
                        ),
                    )
                )
        result.count = len(hits)
        alerts: list[Alert] = []
        for read, matches in hits:
            alerts += raise_alerts(session=session, read=read, matches=matches, retroactive=True)
    return alerts
