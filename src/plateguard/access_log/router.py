"""The Auditor's view of the access log (460.5(c)); looking at the log is itself recorded."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.templating import render

router = APIRouter()
PAGE_SIZE = 100


def search_records(
    *,
    session: Session,
    username: str,
    action: str,
    text: str,
    case_number: str,
    since: dt.date | None,
    until: dt.date | None,
    page: int,
) -> list[AccessRecord]:
    query = select(AccessRecord).order_by(AccessRecord.sequence.desc())
    if username:
        query = query.where(AccessRecord.username == username.strip().lower())
    if action:
        query = query.where(AccessRecord.action.startswith(action.strip()))
    if text:
        query = query.where(cast(AccessRecord.query, String).contains(text.strip().upper()))
    if case_number:
        query = query.where(AccessRecord.case_number == case_number.strip().upper())
    if since:
        query = query.where(AccessRecord.occurred_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        query = query.where(
            AccessRecord.occurred_at < dt.datetime.combine(until, dt.time(), dt.UTC) + dt.timedelta(days=1)
        )
    return list(session.scalars(query.limit(PAGE_SIZE).offset(PAGE_SIZE * page)))


@router.get("/audit/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    username: str = "",
    action: str = "",
    text: Annotated[str, Query(max_length=40)] = "",
    case_number: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    filters = {
        "username": username,
        "action": action,
        "text": text,
        "case_number": case_number,
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    records = search_records(
        session=db,
        username=username,
        action=action,
        text=text,
        case_number=case_number,
        since=since,
        until=until,
        page=page,
    )
    access_log.append(
        session=db,
        actor=Actor.of(login.user),
        action="audit.view_log",
        query={key: value for key, value in filters.items() if value} | {"page": page},
        result_count=len(records),
    )
    context = {"records": records, "filters": filters, "page": page, "page_size": PAGE_SIZE}
    return render(request, "access_log.html", context)
