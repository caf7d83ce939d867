"""Hotlist pages: lists the user may see, a list's entries, manual and partial entries, import, grants."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.accounts.models import User
from plateguard.accounts.roles import Permission
from plateguard.errors import InvalidInput, NotFound, PayloadTooLarge
from plateguard.hotlists import entries as hand_entries
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.entries import HandEntry
from plateguard.hotlists.formats import PARSERS
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import CATEGORY_LABELS, Hotlist, HotlistCategory, HotlistSource
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import confirm
from plateguard.web.templating import render

router = APIRouter()
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def _hotlist(db: DbSession, hotlist_id: int) -> Hotlist:
    return hotlist_service.get(session=db, hotlist_id=hotlist_id)


HotlistById = Annotated[Hotlist, Depends(_hotlist)]


def _reload(request: Request, db: DbSession) -> None:
    matcher: LiveMatcher | None = getattr(request.app.state, "hotlist_matcher", None)
    if matcher is not None:
        matcher.reload_after_commit(db, request.app.state.session_factory)


@router.get("/hotlists", response_class=HTMLResponse)
def hotlists_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    lists = hotlist_service.list_visible(session=db, user=login.user)
    notices = (
        refresh.open_notices(session=db) if Permission.HOTLISTS_MANAGE in request.state.permissions else []
    )
    counts = hotlist_service.entry_counts(session=db, hotlists=lists)
    context = {
        "lists": lists,
        "counts": counts,
        "notices": notices,
        "sources": list(HotlistSource),
        "formats": PARSERS,
    }
    return render(request, "hotlists.html", context)


@router.post("/hotlists")
def create_hotlist(
    db: DbSession,
    login: CurrentLogin,
    name: Annotated[str, Form(max_length=100)],
    source: Annotated[HotlistSource, Form()],
    file_format: Annotated[str, Form()] = "csv",
    refresh_path: Annotated[str, Form(max_length=500)] = "",
    max_age_hours: Annotated[int, Form()] = 26,
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    hotlist = hotlist_service.create(
        session=db,
        actor=Actor.of(login.user),
        name=name,
        source=source,
        description=description,
        file_format=file_format,
        refresh_path=refresh_path.strip() or None,
        max_age_hours=max_age_hours,
    )
    if hotlist.restricted:
        hotlist_service.grant(session=db, actor=Actor.of(login.user), hotlist=hotlist, user=login.user)
    return RedirectResponse(f"/hotlists/{hotlist.id}", status_code=303)


@router.get("/hotlists/{hotlist_id}", response_class=HTMLResponse)
def hotlist_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    hotlist: HotlistById,
    plate: str = "",
    ended: bool = False,
) -> Response:
    entries = hotlist_service.list_entries(
        session=db, user=login.user, hotlist=hotlist, plate=plate, ended=ended
    )
    context = {
        "hotlist": hotlist,
        "entry_count": hotlist_service.entry_count(session=db, hotlist=hotlist),
        "entries": entries,
        "plate": plate,
        "ended": ended,
        "categories": list(HotlistCategory),
        "labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "formats": PARSERS,
        "purposes": request.app.state.settings.access.purposes,
        "retroactive_days": request.app.state.settings.hotlists.retroactive_days,
    }
    return render(request, "hotlist.html", context)


@router.post("/hotlists/{hotlist_id}/entries")
def add_entry(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    hotlist: HotlistById,
    plate: Annotated[str, Form(max_length=20)],
    category: Annotated[HotlistCategory, Form()],
    purpose: Annotated[str, Form(max_length=200)],
    state: Annotated[str, Form(max_length=5)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    vehicle_description: Annotated[str, Form(max_length=200)] = "",
    case_number: Annotated[str, Form(max_length=40)] = "",
    expires_on: Annotated[dt.date | None, Form()] = None,
) -> Response:
    form = HandEntry(plate, category, purpose, state, reason, vehicle_description, case_number, expires_on)
    settings = request.app.state.settings
    entry, hits = hand_entries.enter(
        session=db,
        user=login.user,
        hotlist=hotlist,
        form=form,
        purposes=settings.access.purposes,
        max_days=settings.access.hotlist_entry_max_days,
        zone=settings.agency.timezone,
        retroactive_days=settings.hotlists.retroactive_days,
    )
    _reload(request, db)
    days = settings.hotlists.retroactive_days
    message = (
        f"Entry {entry.plate} added; it matched {len(hits)} stored read(s) of the last {days} days "
        "(see Alerts, marked retroactive)."
    )
    return confirm(request, RedirectResponse(f"/hotlists/{hotlist.id}", status_code=303), message)


@router.post("/hotlists/{hotlist_id}/entries/{entry_id}/remove")
def remove_entry(
    request: Request,
    entry_id: int,
    db: DbSession,
    login: CurrentLogin,
    hotlist: HotlistById,
    purpose: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """End an entry (it stays on record); the list in the URL must own it."""
    hand_entries.end(
        session=db,
        user=login.user,
        hotlist=hotlist,
        entry_id=entry_id,
        purpose=purpose,
        reason=reason,
        purposes=request.app.state.settings.access.purposes,
    )
    _reload(request, db)
    return RedirectResponse(f"/hotlists/{hotlist.id}", status_code=303)


@router.post("/hotlists/{hotlist_id}/import")
def import_file(
    request: Request,
    hotlist_id: int,
    db: DbSession,
    login: CurrentLogin,
    file: Annotated[UploadFile, File()],
    file_format: Annotated[str, Form(max_length=20)] = "",
    category: Annotated[HotlistCategory, Form()] = HotlistCategory.OTHER,
    purpose: Annotated[str, Form(max_length=200)] = "",
    confirm_shrink: Annotated[bool, Form()] = False,
    confirm_skipped: Annotated[bool, Form()] = False,
) -> Response:
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge("hot file is larger than 200 MB", field="file")
    if purpose not in request.app.state.settings.access.purposes:
        raise InvalidInput("an import replaces the list's entries: choose its purpose", field="purpose")
    hotlist = hotlist_service.get(session=db, hotlist_id=hotlist_id)
    hotlist_service.require_visible(session=db, user=login.user, hotlist=hotlist)
    name, chosen_format = file.filename or "upload", file_format or hotlist.file_format
    # Nothing is written yet: end the transaction (on SQLite, its write lock) while the file is unpacked
    # and parsed, so a million-line file does not stall ingest; the rows are replaced in a new one.
    db.rollback()
    parsed = refresh.parse_bytes(
        refresh.unpack(data, name), file_format=chosen_format, source_name=name, default_category=category
    )
    hotlist = hotlist_service.get(session=db, hotlist_id=hotlist_id)
    report = refresh.replace_with(
        session=db,
        actor=Actor.of(login.user),
        hotlist=hotlist,
        parsed=parsed,
        source_name=name,
        confirm_shrink=confirm_shrink,
        confirm_skipped=confirm_skipped,
        max_shrink=request.app.state.settings.hotlists.max_shrink_share,
        purpose=purpose,
        may_enter_partial=Permission.HOTLISTS_PARTIAL in request.state.permissions,
        retroactive_days=request.app.state.settings.hotlists.retroactive_days,
    )
    _reload(request, db)
    return confirm(
        request, RedirectResponse(f"/hotlists/{hotlist_id}", status_code=303), import_summary(report)
    )


def import_summary(report: refresh.ImportReport) -> str:
    summary = f"List replaced: {report.entries} entries loaded"
    if report.skipped_rows:
        rows = f"{report.skipped} row{'s' if report.skipped != 1 else ''}"
        summary += f"; {rows} skipped ({refresh.describe_skipped(report.skipped_rows)})"
    if report.hand_entries_ended:
        ended = report.hand_entries_ended
        summary += f"; {ended} entr{'ies' if ended != 1 else 'y'} made by hand ended (see ended entries)"
    return summary + f"; {report.retroactive_alerts} retroactive alerts from recent reads."


@router.post("/hotlists/{hotlist_id}/grants")
def grant_access(
    db: DbSession, login: CurrentLogin, hotlist: HotlistById, username: Annotated[str, Form(max_length=64)]
) -> Response:
    user = _user(db, username)
    hotlist_service.grant(session=db, actor=Actor.of(login.user), hotlist=hotlist, user=user)
    return RedirectResponse(f"/hotlists/{hotlist.id}", status_code=303)


@router.post("/hotlists/{hotlist_id}/grants/revoke")
def revoke_access(
    db: DbSession, login: CurrentLogin, hotlist: HotlistById, username: Annotated[str, Form(max_length=64)]
) -> Response:
    user = _user(db, username)
    hotlist_service.revoke(session=db, actor=Actor.of(login.user), hotlist=hotlist, user=user)
    return RedirectResponse(f"/hotlists/{hotlist.id}", status_code=303)


def _user(db: Session, username: str) -> User:
    user = account_service.get_by_username(session=db, username=username.strip())
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    return user
