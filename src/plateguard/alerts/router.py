"""Alert pages: the list, one alert with its images and the verification form, and the live stream."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse

from plateguard.access_log.service import Justification
from plateguard.alerts import delivery
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import AlertOutcome, CletsResult
from plateguard.alerts.statistics import misread_statistics
from plateguard.alerts.stream import AlertStream
from plateguard.alerts.views import rows_for, zone_abbreviation
from plateguard.cameras import service as camera_service
from plateguard.errors import InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import CATEGORY_LABELS, HotlistCategory
from plateguard.reads.images import image_path
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import refused_here, wants_page
from plateguard.web.local_input import local_input
from plateguard.web.templating import render

router = APIRouter()


def _why(request: Request) -> Justification:
    return alert_service.justification()


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    status: str = "",
    hotlist: str = "",
    camera: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    zone = request.app.state.settings.agency.timezone
    refusal = None
    try:
        where = alert_service.AlertFilter(
            status=status,
            hotlist_id=_whole_number(hotlist, "hotlist"),
            camera_id=_whole_number(camera, "camera"),
            since=local_input(since, zone, "since", label="Read from"),
            until=local_input(until, zone, "until", label="Read until"),
        )
    except InvalidInput as exc:  # the filter is asked again; the list shows every alert meanwhile
        if not wants_page(request):
            raise
        refusal = refused_here(request, exc.message, exc.field)
        where = alert_service.AlertFilter()
    alerts = alert_service.list_alerts(session=db, user=login.user, why=_why(request), where=where)
    per_camera, overall = misread_statistics(session=db)
    context = {
        "rows": rows_for(alerts, request.app.state.settings.images_dir),
        "filters": where,
        "filtered": where != alert_service.AlertFilter(),
        "form": {"since": since, "until": until},
        "zone": zone_abbreviation(zone),
        "hotlists": hotlist_service.list_visible(session=db, user=login.user),
        "cameras": camera_service.list_(session=db),
        "per_camera": per_camera,
        "overall": overall,
    }
    if refusal is not None:
        context["feedback"] = refusal
    return render(request, "alerts.html", context, status_code=422 if refusal else 200)


def _whole_number(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(f"{field} must be chosen from the list", field=field)
    return int(value)


def _labels() -> dict[str, str]:
    return {category.value: label for category, label in CATEGORY_LABELS.items()}


@router.get("/alerts/stream")
async def alerts_stream(request: Request, login: CurrentLogin) -> StreamingResponse:
    """Server-sent events: every new alert on a list the user may see, within a second."""
    state = request.app.state
    stream = AlertStream(state.session_factory, state.settings, state.alert_signal, login.id)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream.events(request), media_type="text/event-stream", headers=headers)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, alert_id: uuid.UUID, db: DbSession, login: CurrentLogin) -> Response:
    alert = alert_service.get_alert(session=db, user=login.user, alert_id=alert_id, why=_why(request))
    context = {
        "alert": alert,
        "read": alert.read,
        "entry": alert.entry,
        "labels": _labels(),
        "clets_results": list(CletsResult),
        "outcomes": list(AlertOutcome),
        "categories": list(HotlistCategory),
        "deliveries": delivery.deliveries_for(session=db, alert_id=alert.id),
    }
    return render(request, "alert.html", context)


@router.get("/alerts/{alert_id}/images/{which}")
def alert_image(
    request: Request, alert_id: uuid.UUID, which: str, db: DbSession, login: CurrentLogin
) -> Response:
    """The plate crop or the overview image of an alert's read; each view is an access record."""
    image = alert_service.alert_image(
        session=db, user=login.user, alert_id=alert_id, which=which, why=_why(request)
    )
    path = image_path(request.app.state.settings.images_dir, image.sha256)
    return FileResponse(path, media_type=image.content_type, headers={"Cache-Control": "private, no-store"})


def _choice(
    value: str, kind: type[CletsResult] | type[AlertOutcome], field: str
) -> CletsResult | AlertOutcome | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(
            f"{field} must be one of: {', '.join(k.value for k in kind)}", field=field
        ) from None


@router.post("/alerts/{alert_id}/verify")
def verify_alert(
    request: Request,
    alert_id: uuid.UUID,
    db: DbSession,
    login: CurrentLogin,
    visual_match: Annotated[str, Form()] = "",
    clets_result: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if visual_match not in ("", "yes", "no"):
        raise InvalidInput("visual_match must be yes or no", field="visual_match")
    clets = _choice(clets_result, CletsResult, "clets_result")
    chosen = _choice(outcome, AlertOutcome, "outcome")
    alert_service.verify(
        session=db,
        user=login.user,
        alert_id=alert_id,
        visual_match={"yes": True, "no": False}.get(visual_match),
        clets_result=clets,  # type: ignore[arg-type]
        outcome=chosen,  # type: ignore[arg-type]
        notes=notes,
        why=_why(request),
    )
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
