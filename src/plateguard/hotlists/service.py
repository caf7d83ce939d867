"""Hotlists: create, see (per-list grants, 460.3(e)), add entries, replace a list atomically.

Services flush, never commit: a list replacement, its access record and its notice are written by the
caller's one transaction, so a failed import leaves the old list exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.accounts.roles import Permission, permissions_for
from plateguard.alerts.models import Alert
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from plateguard.hotlists.formats import WILDCARD_PLATE, ParsedEntry, ParsedFile, wildcard_normalize
from plateguard.hotlists.models import (
    RESTRICTED_SOURCES,
    Hotlist,
    HotlistCategory,
    HotlistEntry,
    HotlistGrant,
    HotlistSource,
)
from plateguard.reads.plates import normalize_plate

INSERT_BATCH = 20_000


def create(
    *,
    session: Session,
    actor: Actor,
    name: str,
    source: HotlistSource,
    description: str = "",
    file_format: str = "csv",
    refresh_path: str | None = None,
    max_age_hours: int = 26,
) -> Hotlist:
    name = name.strip()
    if not 2 <= len(name) <= 100:
        raise InvalidInput("a list name has 2 to 100 characters", field="name")
    if session.scalar(select(Hotlist).where(Hotlist.name == name)) is not None:
        raise Conflict(f"a hotlist named {name!r} exists", field="name")
    if not 1 <= max_age_hours <= 24 * 30:
        raise InvalidInput("maximum age is 1 hour to 30 days", field="max_age_hours")
    hotlist = Hotlist(
        name=name,
        source=HotlistSource(source),
        restricted=HotlistSource(source) in RESTRICTED_SOURCES,
        description=description,
        file_format=file_format,
        refresh_path=refresh_path or None,
        max_age_hours=max_age_hours,
        changed_at=utcnow(),
    )
    session.add(hotlist)
    session.flush()
    access_log.append(
        session=session, actor=actor, action="hotlists.create", query={"hotlist": name, "source": source}
    )
    return hotlist


def get(*, session: Session, hotlist_id: int) -> Hotlist:
    hotlist = session.get(Hotlist, hotlist_id)
    if hotlist is None:
        raise NotFound(f"no hotlist {hotlist_id}")
    return hotlist


def get_by_name(*, session: Session, name: str) -> Hotlist:
    hotlist = session.scalar(select(Hotlist).where(Hotlist.name == name))
    if hotlist is None:
        raise NotFound(f"no hotlist named {name!r}", field="list")
    return hotlist


def visible_ids(*, session: Session, user: User) -> set[int]:
    """Lists the user may see: every unrestricted list, and restricted ones they were granted."""
    granted = set(session.scalars(select(HotlistGrant.hotlist_id).where(HotlistGrant.user_id == user.id)))
    rows = session.execute(select(Hotlist.id, Hotlist.restricted))
    return {hotlist_id for hotlist_id, restricted in rows if not restricted or hotlist_id in granted}


def list_visible(*, session: Session, user: User) -> list[Hotlist]:
    ids = visible_ids(session=session, user=user)
    return [h for h in session.scalars(select(Hotlist).order_by(Hotlist.name)) if h.id in ids]


def require_visible(*, session: Session, user: User, hotlist: Hotlist) -> None:
    if hotlist.id not in visible_ids(session=session, user=user):
        raise Forbidden(f"the list {hotlist.name!r} is restricted; ask the ALPR Administrator for access")


def grant(*, session: Session, actor: Actor, hotlist: Hotlist, user: User) -> None:
    exists = session.scalar(
        select(HotlistGrant).where(HotlistGrant.hotlist_id == hotlist.id, HotlistGrant.user_id == user.id)
    )
    if exists is None:
        session.add(HotlistGrant(hotlist_id=hotlist.id, user_id=user.id, granted_by=actor.username))
        session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="hotlists.grant",
        query={"hotlist": hotlist.name, "user": user.username},
    )


def revoke(*, session: Session, actor: Actor, hotlist: Hotlist, user: User) -> None:
    session.execute(
        delete(HotlistGrant).where(HotlistGrant.hotlist_id == hotlist.id, HotlistGrant.user_id == user.id)
    )
    access_log.append(
        session=session,
        actor=actor,
        action="hotlists.revoke",
        query={"hotlist": hotlist.name, "user": user.username},
    )


def list_entries(
    *, session: Session, user: User, hotlist: Hotlist, plate: str = "", limit: int = 200
) -> list[HotlistEntry]:
    """A user's look at a list's entries: checked against the grants and written to the access log."""
    require_visible(session=session, user=user, hotlist=hotlist)
    query = select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist.id)
    if plate:
        query = query.where(HotlistEntry.plate_normalized.startswith(normalize_plate(plate)))
    exact = {"hotlist": hotlist.name, "plate_prefix": normalize_plate(plate), "limit": limit}
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="hotlists.entries", query=exact, justification=None
    ) as result:
        rows = list(session.scalars(query.order_by(HotlistEntry.plate_normalized).limit(limit)))
        result.count = len(rows)
    return rows


def validate_manual(entry: ParsedEntry, *, purpose: str | None, may_enter_partial: bool) -> None:
    """A manual entry; a partial plate (460.3(c)) needs the permission, a case number, expiry, purpose."""
    if entry.is_wildcard:
        if not may_enter_partial:
            raise Forbidden("partial-plate entries need the permission hotlists:partial")
        if not entry.case_number:
            raise InvalidInput(
                "a partial plate needs the case number of the major crime", field="case_number"
            )
        if entry.expires_at is None:
            raise InvalidInput("a partial plate needs an expiry date", field="expires_at")
        if not (purpose or "").strip():
            raise InvalidInput("a partial plate needs a purpose", field="purpose")
        if not WILDCARD_PLATE.fullmatch(entry.plate) or len(entry.plate.strip("?*")) < 2:
            raise InvalidInput("a partial plate needs at least two known characters", field="plate")
    elif len(entry.plate) < 2:
        raise InvalidInput("a plate needs at least two letters or digits", field="plate")
    if entry.expires_at is not None and entry.expires_at <= utcnow():
        raise InvalidInput("the expiry is in the past", field="expires_at")


def add_entry(
    *,
    session: Session,
    user: User,
    hotlist: Hotlist,
    entry: ParsedEntry,
    purpose: str | None = None,
) -> HotlistEntry:
    """Add one entry by hand; run it against stored reads afterwards (``retro.run_against_reads``)."""
    require_visible(session=session, user=user, hotlist=hotlist)
    permissions = permissions_for(user.roles)
    entry.plate = wildcard_normalize(entry.plate) if entry.is_wildcard else normalize_plate(entry.plate)
    validate_manual(entry, purpose=purpose, may_enter_partial=Permission.HOTLISTS_PARTIAL in permissions)
    row = HotlistEntry(**_row_values(hotlist.id, entry, entered_by=user.full_name), purpose=purpose)
    session.add(row)
    hotlist.entry_count += 1
    hotlist.changed_at = utcnow()
    session.flush()
    justification = Justification(purpose or "", case_number=entry.case_number) if purpose else None
    access_log.append(
        session=session,
        actor=Actor.of(user),
        action="hotlists.entry.add",
        query={"hotlist": hotlist.name, "plate": entry.plate, "state": entry.state, "entry_id": row.id},
        justification=justification,
    )
    return row


def remove_entry(*, session: Session, user: User, entry_id: int) -> None:
    with access_log.audited_access(
        session=session,
        actor=Actor.of(user),
        action="hotlists.entry.remove",
        query={"entry_id": entry_id},
        justification=None,
    ) as result:
        row = session.get(HotlistEntry, entry_id)
        result.count = 0 if row is None else 1
        if row is None:
            raise NotFound(f"no hotlist entry {entry_id}")
        require_visible(session=session, user=user, hotlist=row.hotlist)
        session.execute(
            update(Alert).where(Alert.entry_id == entry_id).values(entry_id=None),
            execution_options={"synchronize_session": False},
        )
        row.hotlist.entry_count -= 1
        row.hotlist.changed_at = utcnow()
        session.delete(row)
        session.flush()


def _row_values(hotlist_id: int, entry: ParsedEntry, *, entered_by: str) -> dict[str, Any]:
    return {
        "hotlist_id": hotlist_id,
        "plate": entry.plate[:20],
        "plate_normalized": entry.plate_normalized[:20],
        "state": entry.state,
        "category": HotlistCategory(entry.category).value,
        "vehicle_description": entry.vehicle_description[:200],
        "reason": entry.reason[:500],
        "case_number": entry.case_number[:40] if entry.case_number else None,
        "record_id": entry.record_id[:20] if entry.record_id else None,
        "entered_by": entered_by[:200],
        "expires_at": entry.expires_at,
        "is_wildcard": entry.is_wildcard,
    }


def replace_entries(
    *, session: Session, actor: Actor, hotlist: Hotlist, parsed: ParsedFile, source_name: str
) -> int:
    """Replace the whole list with a fully parsed file, in the caller's transaction.

    Until that transaction commits every other session (and the live matcher) keeps the old list;
    alerts keep their copy of the entry they matched.
    """
    now = utcnow()
    old = select(HotlistEntry.id).where(HotlistEntry.hotlist_id == hotlist.id).scalar_subquery()
    with system_scope(session, "hotlist import"):
        session.execute(
            update(Alert).where(Alert.entry_id.in_(old)).values(entry_id=None),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist.id),
            execution_options={"synchronize_session": False},
        )
    entered_by = f"import of {source_name}"[:200]
    rows = [_row_values(hotlist.id, e, entered_by=entered_by) | {"entered_at": now} for e in parsed.entries]
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(HotlistEntry), rows[start : start + INSERT_BATCH])
    hotlist.entry_count = len(rows)
    hotlist.last_loaded_at = parsed.file_date or now
    hotlist.last_refresh_error = None
    hotlist.changed_at = now
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="hotlists.import",
        query={"hotlist": hotlist.name, "file": source_name, "entries": len(rows), "skipped": parsed.skipped},
        result_count=len(rows),
    )
    return len(rows)


def expiry_from_date(day: dt.date | None) -> dt.datetime | None:
    """An expiry date entered on a form: the entry stays live until the end of that day (UTC)."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
