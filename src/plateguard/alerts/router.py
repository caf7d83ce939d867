"""Alert pages: the list, one alert with its images and the verification form, and the live stream."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.exc import OperationalError

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.roles import Permission
from plateguard.alerts import delivery
from plateguard.alerts import service as alert_service
from plateguard.alerts.live import POLL_SECONDS, AlertSignal
from plateguard.alerts.models import Alert, AlertOutcome, CletsResult
from plateguard.alerts.statistics import misread_statistics
from plateguard.alerts.views import render_row, rows_for, zone_abbreviation
from plateguard.cameras import service as camera_service
from plateguard.database import transaction, utcnow
from plateguard.errors import InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import CATEGORY_LABELS, HotlistCategory
from plateguard.reads.images import image_path
from plateguard.web.dependencies import CurrentLogin, DbSession, still_allowed
from plateguard.web.feedback import refused_here, wants_page
from plateguard.web.local_input import local_input
from plateguard.web.templating import render

router = APIRouter()
HEARTBEAT_SECONDS = 15.0


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
    factory, settings = request.app.state.session_factory, request.app.state.settings
    login_id = login.id
    signal: AlertSignal = request.app.state.alert_signal

    def poll(since: dt.datetime, sent: dict[uuid.UUID, dt.datetime]) -> list[dict[str, object]] | None:
        """New alerts for this tab, or None (the stream ends) once the gate would no longer let it in."""
        with transaction(factory) as session:
            user = still_allowed(
                session=session, login_id=login_id, permission=Permission.ALERTS_VIEW, settings=settings
            )
            if user is None:
                return None
            fresh = alert_service.recent_for_push(session=session, user=user, since=since, sent=sent.keys())
            if not fresh:
                return []
            payloads = [_with_row(alert_service.push_payload(a), a) for a in fresh]
            access_log.append(
                session=session,
                actor=Actor.of(user),
                action="alerts.push",
                query={"alerts": [p["id"] for p in payloads]},
                result_count=len(payloads),
                justification=alert_service.justification(),
            )
            return payloads

    def allowed() -> bool:
        """Whether the gate would still let this tab in (asked at each heartbeat, when no alert came)."""
        try:
            with transaction(factory) as session:
                user = still_allowed(
                    session=session, login_id=login_id, permission=Permission.ALERTS_VIEW, settings=settings
                )
        except OperationalError:  # SQLite busy with a concurrent writer: ask again at the next heartbeat
            return True
        return user is not None

    def _with_row(payload: dict[str, object], alert: Alert) -> dict[str, object]:
        (row,) = rows_for([alert], settings.images_dir)
        return {**payload, "category_label": row.category, "row": render_row(row, settings.agency.timezone)}

    async def events() -> AsyncIterator[str]:
        # Alerts committed from one second before the page connected; later polls overlap by a few
        # seconds (a transaction may commit after a newer one) and skip what was already sent.
        floor, quiet = utcnow() - dt.timedelta(seconds=1), 0.0
        newest, sent = floor, dict[uuid.UUID, dt.datetime]()  # alerts sent and when they were raised
        closes_at = time.monotonic() + request.app.state.settings.alerts.stream_max_seconds
        asked: alert_service.Signature | None = None  # the process-wide signature when this tab last polled
        yield "retry: 1000\n\n"
        while not await request.is_disconnected() and time.monotonic() < closes_at:
            since = max(floor, newest - dt.timedelta(seconds=5))
            sent = {key: at for key, at in sent.items() if at > since}
            payloads: list[dict[str, object]] = []
            try:
                signature = await run_in_threadpool(signal.current, factory)
                if signature != asked:
                    fresh = await run_in_threadpool(poll, since, sent)
                    if fresh is None:  # signed out, closed, role or training gone: nothing more
                        return
                    payloads = fresh
                    # a full page may have left newer alerts behind: look again next tick
                    asked = signature if len(payloads) < alert_service.PUSH_PAGE else None
            except OperationalError:  # SQLite busy with a concurrent writer: try again next tick
                pass
            for payload in payloads:
                raised = dt.datetime.fromisoformat(str(payload["created_at"]))
                sent[uuid.UUID(str(payload["id"]))] = raised
                newest = max(newest, raised)
                quiet = 0.0
                yield f"event: alert\ndata: {json.dumps(payload)}\n\n"
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                if not await run_in_threadpool(allowed):  # signed out or idle with no alert coming
                    return
                yield ": heartbeat\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


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
