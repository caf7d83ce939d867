"""Hotlists: create, see (per-list grants, 460.3(e)), add entries, replace a list atomically.

Services flush, never commit: a list replacement, its access record and its notice are written by the
caller's one transaction, so a failed import leaves the old list exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User
from plateguard.accounts.roles import Permission, permissions_for
from plateguard.alerts.models import Alert
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound, PlateguardError
from plateguard.hotlists import partials
from plateguard.hotlists.formats import PARSERS
from plateguard.hotlists.locations import check_location
from plateguard.hotlists.models import (
    RESTRICTED_SOURCES,
    Hotlist,
    HotlistCategory,
    HotlistEntry,
    HotlistGrant,
    HotlistSource,
)
from plateguard.hotlists.parsed import MAX_PLATE, ParsedEntry, ParsedFile, wildcard_normalize
from plateguard.reads.plates import normalize_plate

INSERT_BATCH = 20_000
DELETE_BATCH = 500  # ids per IN (...) list
IMPORT_END_REASON = "replaced by an import of the whole list"


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
    if file_format not in PARSERS:
        raise InvalidInput(f"format must be one of {', '.join(PARSERS)}", field="file_format")
    refresh_path = check_location(refresh_path)
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


def lock_for_change(*, session: Session, hotlist: Hotlist) -> None:
    """Hold the list's row until the transaction ends, so two imports or refreshes of one list run one
    after the other: the second sees the first's entries and notices, never a copy of its own. SQLite
    needs nothing here: its transactions take the write lock at their start (``database._sqlite_begin``).
    FOR NO KEY UPDATE: an alert raised on the list meanwhile (its foreign key's KEY SHARE) does not wait."""
    session.execute(select(Hotlist.id).where(Hotlist.id == hotlist.id).with_for_update(key_share=True))


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
    *, session: Session, user: User, hotlist: Hotlist, plate: str = "", limit: int = 200, ended: bool = False
) -> list[HotlistEntry]:
    """A user's look at a list's entries (live ones, or with ``ended`` the entries taken off by hand, newest
    first): checked against the grants and written to the access log."""
    query = select(HotlistEntry).where(HotlistEntry.hotlist_id == hotlist.id)
    query = query.where(HotlistEntry.ended_at.is_not(None) if ended else HotlistEntry.ended_at.is_(None))
    if plate:
        query = query.where(HotlistEntry.plate_normalized.startswith(normalize_plate(plate)))
    order = HotlistEntry.ended_at.desc() if ended else HotlistEntry.plate_normalized
    exact = {"hotlist": hotlist.name, "plate_prefix": normalize_plate(plate), "limit": limit}
    exact |= {"ended": True} if ended else {}
    with access_log.audited_access(
        session=session, actor=Actor.of(user), action="hotlists.entries", query=exact, justification=None
    ) as result:
        require_visible(session=session, user=user, hotlist=hotlist)
        rows = list(session.scalars(query.order_by(order).limit(limit)))
        result.count = len(rows)
    return rows


DEFAULT_ENTRY_MAX_DAYS = 90


def check_hand_change(*, user: User, hotlist: Hotlist, is_wildcard: bool, purpose: str | None) -> None:
    """Who may change a list by hand: never a state or federal list (its file replaces it), full plates
    with hotlists:manage, partial plates with hotlists:partial, and always with a purpose."""
    if HotlistSource(hotlist.source) in RESTRICTED_SOURCES:
        raise Forbidden(
            f"{hotlist.name!r} is a state or federal list: its entries change only when its file is imported"
        )
    needed = Permission.HOTLISTS_PARTIAL if is_wildcard else Permission.HOTLISTS_MANAGE
    if needed not in permissions_for(user.roles):
        kind = "partial-plate" if is_wildcard else "full-plate"
        raise Forbidden(f"{kind} entries need the permission {needed.value}")
    if not (purpose or "").strip():
        raise InvalidInput("every change to a hotlist needs a purpose", field="purpose")


def validate_manual(
    entry: ParsedEntry, *, purpose: str | None, may_enter_partial: bool, max_days: int
) -> None:
    """A hand entry on a department list: partial plates follow ``partials``; every entry has a case
    number and an expiry no further than ``max_days`` ahead, so no plate is watched for good."""
    problem = partials.problem_with(entry, purpose=purpose, may_enter_partial=may_enter_partial)
    if problem is not None:
        raise (Forbidden if problem.forbidden else InvalidInput)(problem.message, field=problem.field)
    if len(entry.plate.strip("?*")) < 2:
        raise InvalidInput("a plate needs at least two letters or digits", field="plate")
    if len(entry.plate_normalized) > MAX_PLATE:
        raise InvalidInput(f"a plate has at most {MAX_PLATE} letters or digits", field="plate")
    if not (entry.case_number or "").strip():
        raise InvalidInput(
            "an entry on a department list needs a case or incident number", field="case_number"
        )
    if entry.expires_at is None:
        raise InvalidInput("an entry on a department list needs an expiry date", field="expires_at")
    now = utcnow()
    if entry.expires_at <= now:
        raise InvalidInput("the expiry is in the past", field="expires_at")
    if entry.expires_at > now + dt.timedelta(days=max_days + 1):
        raise InvalidInput(
            f"an entry may run at most {max_days} days; enter it again then", field="expires_at"
        )


def add_entry(
    *,
    session: Session,
    user: User,
    hotlist: Hotlist,
    entry: ParsedEntry,
    purpose: str | None = None,
    max_days: int = DEFAULT_ENTRY_MAX_DAYS,
) -> HotlistEntry:
    """Add one entry by hand; run it against stored reads afterwards (``retro.run_against_reads``).
    A refusal (a list the user may not see or change, a missing case number) is itself recorded."""
    entry.plate = wildcard_normalize(entry.plate) if entry.is_wildcard else normalize_plate(entry.plate)
    asked = {"hotlist": hotlist.name, "plate": entry.plate, "state": entry.state}
    justification = Justification(purpose or "", case_number=entry.case_number)
    try:
        require_visible(session=session, user=user, hotlist=hotlist)
        check_hand_change(user=user, hotlist=hotlist, is_wildcard=entry.is_wildcard, purpose=purpose)
        may_enter_partial = Permission.HOTLISTS_PARTIAL in permissions_for(user.roles)
        validate_manual(entry, purpose=purpose, may_enter_partial=may_enter_partial, max_days=max_days)
    except PlateguardError as exc:
        access_log.record_refusal(
            session=session,
            actor=Actor.of(user),
            action="hotlists.entry.add",
            query=asked,
            reason=exc.message,
            justification=justification,
        )
        raise
    row = HotlistEntry(**_row_values(hotlist.id, entry, entered_by=user.full_name), purpose=purpose)
    session.add(row)
    hotlist.changed_at = utcnow()
    session.flush()
    access_log.append(
        session=session,
        actor=Actor.of(user),
        action="hotlists.entry.add",
        query=asked
        | {"entry_id": row.id, "expires_at": row.expires_at.isoformat() if row.expires_at else None},
        justification=justification,
    )
    return row


def end_entry(
    *, session: Session, user: User, hotlist: Hotlist, entry_id: int, why: Justification
) -> HotlistEntry:
    """Take an entry off its list by hand. The row stays, ended (who, when, why): a list's history can
    be audited. The list named in the request must own the entry."""
    with access_log.audited_access(
        session=session,
        actor=Actor.of(user),
        action="hotlists.entry.remove",
        query={"hotlist": hotlist.name, "entry_id": entry_id},
        justification=why,
    ) as result:
        require_visible(session=session, user=user, hotlist=hotlist)  # first: no hint which ids exist
        row = session.get(HotlistEntry, entry_id)
        if row is None or row.hotlist_id != hotlist.id:
            raise NotFound(f"the list {hotlist.name!r} has no entry {entry_id}")
        result.query |= {
            "plate": row.plate_normalized,
            "state": row.state,
            "entry_case_number": row.case_number,
        }
        check_hand_change(user=user, hotlist=hotlist, is_wildcard=row.is_wildcard, purpose=why.purpose)
        if row.ended_at is not None:
            raise Conflict(f"entry {entry_id} was already ended on {row.ended_at.date().isoformat()}")
        if not why.detail.strip():
            raise InvalidInput("say why the entry is taken off the list", field="reason")
        row.ended_at, row.ended_by, row.end_reason = utcnow(), user.full_name[:200], why.detail
        hotlist.changed_at = utcnow()
        session.flush()
        result.count = 1
    return row


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


# What makes two entries the same entry: every value an import sets, except who entered it and when.
ENTRY_VALUES = (
    "hotlist_id",
    "plate",
    "plate_normalized",
    "state",
    "category",
    "vehicle_description",
    "reason",
    "case_number",
    "record_id",
    "expires_at",
    "is_wildcard",
)


@dataclass(frozen=True)
class _Difference:
    gone: list[int]  # imported entries the file no longer holds: deleted
    replaced_by_hand: list[int]  # live entries made by hand: ended by the import, kept on record
    added: list[dict[str, Any]]


def _difference(session: Session, hotlist_id: int, rows: list[dict[str, Any]]) -> _Difference:
    """What to delete, end and insert so that the list's live entries are exactly ``rows``.

    A hot file changes little from one day to the next: an entry already on the list with the same values
    is kept (its id, its alerts' link and when it was first entered), so a refresh writes only what changed
    and holds the write lock for that long, not for the whole file. Entries ended by hand stay as they are
    and live hand entries are ended, not deleted: who entered or ended them, when and why stays on record.
    """
    columns = [getattr(HotlistEntry, name) for name in ENTRY_VALUES]
    query = select(HotlistEntry.id, HotlistEntry.ended_at, HotlistEntry.purpose, *columns).where(
        HotlistEntry.hotlist_id == hotlist_id
    )
    wanted: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        wanted.setdefault(tuple(row[name] for name in ENTRY_VALUES), []).append(row)
    gone: list[int] = []
    by_hand: list[int] = []
    with system_scope(session, "hotlist import"):
        for entry_id, ended_at, purpose, *values in session.execute(query):
            if ended_at is not None:
                continue
            same = wanted.get(tuple(values)) if purpose is None else None
            if same:
                same.pop()
            else:
                (gone if purpose is None else by_hand).append(entry_id)
    return _Difference(gone, by_hand, [row for same in wanted.values() for row in same])


@dataclass(frozen=True)
class Replacement:
    entries: int  # on the list now
    added_ids: tuple[int, ...]  # new or changed entries: the only ones recent reads still need matching with
    hand_entries_ended: int = 0


def entry_counts(*, session: Session, hotlists: list[Hotlist]) -> dict[int, int]:
    """How many live (not ended) entries each list holds: counted, never kept by hand."""
    ids = [hotlist.id for hotlist in hotlists]
    query = (
        select(HotlistEntry.hotlist_id, func.count())
        .where(HotlistEntry.hotlist_id.in_(ids), HotlistEntry.ended_at.is_(None))
        .group_by(HotlistEntry.hotlist_id)
    )
    with system_scope(session, "hotlist maintenance"):
        counted = {hotlist_id: int(count) for hotlist_id, count in session.execute(query)}
    return {hotlist_id: counted.get(hotlist_id, 0) for hotlist_id in ids}


def entry_count(*, session: Session, hotlist: Hotlist) -> int:
    return entry_counts(session=session, hotlists=[hotlist])[hotlist.id]


def replace_entries(
    *, session: Session, actor: Actor, hotlist: Hotlist, parsed: ParsedFile, source_name: str
) -> Replacement:
    """Replace the whole list with a fully parsed file, in the caller's transaction.

    Until that transaction commits every other session (and the live matcher) keeps the old list;
    alerts keep their copy of the entry they matched.
    """
    now = utcnow()
    entered_by = f"import of {source_name}"  # cut to its column with the other values (_row_values)
    rows = [_row_values(hotlist.id, e, entered_by=entered_by) | {"entered_at": now} for e in parsed.entries]
    change = _difference(session, hotlist.id, rows)
    with system_scope(session, "hotlist import"):
        _delete_entries(session, change.gone)
        _end_hand_entries(session, change.replaced_by_hand, now=now, source_name=source_name)
    added_ids: list[int] = []
    for start in range(0, len(change.added), INSERT_BATCH):
        statement = insert(HotlistEntry).returning(HotlistEntry.id)
        added_ids += session.scalars(statement, change.added[start : start + INSERT_BATCH]).all()
    hotlist.last_loaded_at = parsed.file_date or now
    hotlist.last_refresh_error = None
    hotlist.changed_at = now
    session.flush()
    access_log.append(
        session=session,
        actor=actor,
        action="hotlists.import",
        query={
            "hotlist": hotlist.name,
            "file": source_name,
            "entries": len(rows),
            "skipped": parsed.skipped,
            "hand_entries_ended": len(change.replaced_by_hand),
        },
        result_count=len(rows),
    )
    return Replacement(len(rows), tuple(added_ids), len(change.replaced_by_hand))


def _delete_entries(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), DELETE_BATCH):
        chunk = ids[start : start + DELETE_BATCH]
        # Locked first: an ingest raising an alert on one of them finishes before alerts are unlinked.
        session.execute(select(HotlistEntry.id).where(HotlistEntry.id.in_(chunk)).with_for_update())
        session.execute(
            update(Alert).where(Alert.entry_id.in_(chunk)).values(entry_id=None),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            delete(HotlistEntry).where(HotlistEntry.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )


def _end_hand_entries(session: Session, ids: list[int], *, now: dt.datetime, source_name: str) -> None:
    for start in range(0, len(ids), DELETE_BATCH):
        session.execute(
            update(HotlistEntry)
            .where(HotlistEntry.id.in_(ids[start : start + DELETE_BATCH]))
            .values(ended_at=now, ended_by=f"import of {source_name}"[:200], end_reason=IMPORT_END_REASON),
            execution_options={"synchronize_session": False},
        )


def expiry_from_date(day: dt.date | None, zone: str = "UTC") -> dt.datetime | None:
    """An expiry date entered on a form: the entry stays live until the end of that day in the agency's
    time zone (stored in UTC)."""
    if day is None:
        return None
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(zone))
    return end.astimezone(dt.UTC)
