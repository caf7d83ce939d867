"""The Auditor's view of the access log (460.5(c)); looking at the log, or exporting it, is recorded."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from plateguard.access_log import service as access_log
from plateguard.access_log.export import export_bundle
from plateguard.access_log.service import Actor, LogFilter
from plateguard.database import utcnow
from plateguard.errors import InvalidInput
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import refused_here, wants_page
from plateguard.web.templating import render

router = APIRouter()
PAGE_SIZE = 100
FILTER_FIELDS = ("username", "action", "plate", "purpose", "case_number", "outcome", "since", "until")


def _filters(request: Request) -> LogFilter:
    return LogFilter.parse({name: request.query_params.get(name, "")[:100] for name in FILTER_FIELDS})


@router.get("/audit/access-log", response_class=HTMLResponse)
def access_log_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    before: Annotated[int | None, Query(ge=1)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    settings = request.app.state.settings
    refusal = None
    try:
        filters = _filters(request)
    except InvalidInput as exc:  # the filter is asked again; the newest records show meanwhile
        if not wants_page(request):
            raise
        refusal = refused_here(request, exc.message, exc.field)
        filters = LogFilter.parse({})
    page = access_log.log_page(
        session=db,
        filters=filters,
        zone=ZoneInfo(settings.agency.timezone),
        before=before,
        after=after,
        size=PAGE_SIZE,
    )
    position = {"before": before} if before else {"after": after} if after is not None else {}
    access_log.append(
        session=db,
        actor=Actor.of(login.user),
        action="audit.view_log",
        query=filters.as_params() | position,
        result_count=len(page.records),
    )
    context = {
        "page": page,
        "filters": filters,
        "params": filters.as_params(),
        "purposes": settings.access.purposes,
        "outcomes": access_log.OUTCOMES,
        "readable": access_log.readable_query,
    }
    if refusal is not None:
        context["feedback"] = refusal
    return render(request, "access_log.html", context, status_code=422 if refusal else 200)


@router.get("/audit/access-log/export")
def access_log_export(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    """The filtered records as CSV, with the chain links and signed checkpoint that prove them complete."""
    settings = request.app.state.settings
    filters = _filters(request)
    now = utcnow()
    bundle, count = export_bundle(
        session=db,
        data_dir=settings.data_dir,
        filters=filters,
        zone=ZoneInfo(settings.agency.timezone),
        now=now,
    )
    access_log.append(
        session=db,
        actor=Actor.of(login.user),
        action="audit.export_log",
        query=filters.as_params(),
        result_count=count,
    )
    name = f"access-log-{now:%Y%m%d-%H%M%S}.zip"
    return Response(
        bundle,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
