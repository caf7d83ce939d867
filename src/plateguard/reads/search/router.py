"""Investigation pages and their JSON twins: search, canvass map, read detail, timeline, exports."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select

from plateguard.access_log.purposes import PurposePolicy
from plateguard.access_log.service import Actor
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from plateguard.errors import PlateguardError
from plateguard.places import service as places
from plateguard.reads.images import image_path
from plateguard.reads.search import exports, forms
from plateguard.reads.search import service as search_service
from plateguard.reads.search.schemas import (
    ExportFormat,
    ExportRequest,
    Justified,
    SearchPage,
    SearchRequest,
    SeenNearRequest,
)
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import Feedback, sentence, wants_page
from plateguard.web.forms import RequestForm
from plateguard.web.templating import local_time, render

router = APIRouter()


def _purposes(request: Request) -> PurposePolicy:
    return PurposePolicy.of(request.app.state.settings.access)


def _why_params(why: Justified) -> str:
    return urllib.parse.urlencode({"purpose": why.purpose, "case_number": why.case_number or ""})


def _page_context(request: Request, db: DbSession, form: dict[str, Any]) -> dict[str, Any]:
    cameras = list(db.scalars(select(Camera).order_by(Camera.name)))
    map_settings = request.app.state.settings.map
    return {
        "form": form,
        "cameras": cameras,
        "selected_cameras": set(request.query_params.getlist("camera_ids")),
        "camera_groups": camera_service.groups(session=db),
        "address_points": places.count(session=db),
        "purposes": _purposes(request).purposes,
        "tile_url": map_settings.tile_url,
        "attribution": map_settings.attribution,
        "map_cameras": map_cameras(cameras),
    }


def map_cameras(cameras: list[Camera]) -> list[dict[str, Any]]:
    """Fixed camera positions for the map (mobile cameras have none of their own)."""
    return [
        {"name": c.name, "lat": c.latitude, "lon": c.longitude}
        for c in cameras
        if c.kind == CameraKind.FIXED and c.latitude is not None and c.longitude is not None
    ]


def _point(read_id: Any, plate: str, lat: float, lon: float, at: dt.datetime, zone: str) -> dict[str, Any]:
    """One read on the map: UTC for ordering, the agency's local time for people."""
    return {
        "id": read_id,
        "plate": plate,
        "lat": lat,
        "lon": lon,
        "at": at.isoformat(),
        "local": local_time(at, zone),
    }


@router.get("/reads/search", response_class=HTMLResponse)
def search_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    form = dict(request.query_params)
    context = _page_context(request, db, form)
    if "purpose" not in form:
        return render(request, "search.html", context)
    try:
        zone = request.app.state.settings.agency.timezone
        query = forms.query_from_form(
            form, request.query_params.getlist("camera_ids"), _page(form), zone=zone
        )
        query = search_service.located(session=db, query=query)
        context["address_point"] = query.radius.center if query.radius and query.radius.address else None
        why = forms.justified_from_form(form)
        page = search_service.search(
            session=db, actor=Actor.of(login.user), query=query, why=why, purposes=_purposes(request)
        )
    except PlateguardError as exc:
        context["feedback"] = Feedback("error", sentence(exc.message), "/reads/search", exc.field)
        return render(request, "search.html", context, status_code=exc.http_status)
    context.update(_results_context(request, page, why))
    return render(request, "search.html", context)


def _page(form: dict[str, Any]) -> int:
    value = str(form.get("page", "1"))
    return int(value) if value.isdigit() and 0 < int(value) <= 10_000 else 1


def _results_context(request: Request, page: SearchPage, why: Justified) -> dict[str, Any]:
    params = dict(request.query_params)
    pages = max(1, -(-page.total // page.page_size))
    zone = request.app.state.settings.agency.timezone
    links = {}
    for label, number in (("previous", page.page - 1), ("next", page.page + 1)):
        if 1 <= number <= pages:
            links[label] = "/reads/search?" + urllib.parse.urlencode(
                {**params, "page": number} | {}, doseq=True
            )
    points = [
        _point(r.id, r.plate, r.latitude, r.longitude, r.captured_at, zone)
        for r in page.reads
        if r.latitude is not None and r.longitude is not None
    ]
    return {"results": page, "pages": pages, "links": links, "points": points, "why": _why_params(why)}


@router.post("/api/reads/search")
def search_api(body: SearchRequest, request: Request, db: DbSession, login: CurrentLogin) -> SearchPage:
    return search_service.search(
        session=db, actor=Actor.of(login.user), query=body.query, why=body, purposes=_purposes(request)
    )


@router.post("/reads/export")
def export_form(request: Request, db: DbSession, login: CurrentLogin, form: RequestForm) -> Response:
    fields = {key: str(value) for key, value in form.items()}
    zone = request.app.state.settings.agency.timezone
    query = forms.query_from_form(fields, [str(v) for v in form.getlist("camera_ids")], zone=zone)
    why = forms.justified_from_form(fields)
    export_format = ExportFormat.GEOJSON if fields.get("format") == "geojson" else ExportFormat.CSV
    recipient = fields.get("recipient", "")
    body = ExportRequest(**why.model_dump(), query=query, format=export_format, recipient=recipient)
    return _export_response(request, db, login, body)


@router.post("/api/reads/export")
def export_api(body: ExportRequest, request: Request, db: DbSession, login: CurrentLogin) -> Response:
    return _export_response(request, db, login, body)


def _export_response(request: Request, db: DbSession, login: CurrentLogin, body: ExportRequest) -> Response:
    data, media_type, filename = exports.export(
        session=db,
        actor=Actor.of(login.user),
        request=body,
        purposes=_purposes(request),
        settings=request.app.state.settings,
    )
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(data, media_type=media_type, headers=headers)


JUSTIFY_FIELDS = ("plate", "purpose", "case_number", "detail")


def _justify_page(
    request: Request, exc: PlateguardError, *, heading: str, submit: str, plate_field: bool = False
) -> Response | None:
    """The page asked again in place with the message beside the field, when a browser user's own plate,
    purpose or case number was refused (None: any other refusal, which the error handler answers)."""
    if exc.field not in JUSTIFY_FIELDS or (exc.field == "plate" and not plate_field):
        return None
    if not wants_page(request):
        return None
    params = request.query_params
    values = {key: params.getlist(key) for key in params}
    kept = [(k, v) for k, v in params.multi_items() if k not in JUSTIFY_FIELDS]
    context = {
        "heading": heading,
        "submit": submit,
        "plate_field": plate_field,
        "action": request.url.path,
        "form": dict(params),
        "kept": kept,
        "purposes": _purposes(request).purposes,
        "feedback": Feedback("error", sentence(exc.message), request.url.path, exc.field, values),
    }
    return render(request, "justify.html", context, status_code=exc.http_status)


@router.get("/reads/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    form = dict(request.query_params)
    plate = form.get("plate", "").strip().upper()
    try:
        why = forms.justified_from_form(form)
        reads = search_service.timeline(
            session=db, actor=Actor.of(login.user), plate=plate, why=why, purposes=_purposes(request)
        )
    except PlateguardError as exc:
        heading = f"Timeline of {plate}" if plate else "Timeline of a plate"
        page = _justify_page(request, exc, heading=heading, submit="Show timeline", plate_field=True)
        if page is None:
            raise
        return page
    points = [
        _point(
            r.id, r.plate, r.latitude, r.longitude, r.captured_at, request.app.state.settings.agency.timezone
        )
        for r in reads
        if r.latitude is not None and r.longitude is not None
    ]
    map_settings = request.app.state.settings.map
    context = {
        "plate": plate,
        "reads": reads,
        "points": points,
        "why": _why_params(why),
        "tile_url": map_settings.tile_url,
        "attribution": map_settings.attribution,
        "map_cameras": map_cameras(list(db.scalars(select(Camera).order_by(Camera.name)))),
    }
    return render(request, "timeline.html", context)


@router.post("/api/reads/seen-near")
def seen_near_api(
    body: SeenNearRequest, request: Request, db: DbSession, login: CurrentLogin
) -> list[dict[str, Any]]:
    return search_service.seen_near(
        session=db, actor=Actor.of(login.user), request=body, purposes=_purposes(request)
    )


@router.get("/reads/seen-near", response_class=HTMLResponse)
def seen_near_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    params = request.query_params
    try:
        why = forms.justified_from_form(dict(params))
        body = forms.validated(
            SeenNearRequest,
            {
                **why.model_dump(),
                "read_ids": params.getlist("read_ids"),
                "metres": params.get("metres") or 300,
                "minutes": params.get("minutes") or 10,
            },
        )
        companions = search_service.seen_near(
            session=db, actor=Actor.of(login.user), request=body, purposes=_purposes(request)
        )
    except PlateguardError as exc:
        page = _justify_page(request, exc, heading="Vehicles seen near", submit="Show vehicles seen near")
        if page is None:
            raise
        return page
    context = {"companions": companions, "request_body": body, "why": _why_params(why)}
    return render(request, "seen_near.html", context)


@router.get("/reads/{read_id}", response_class=HTMLResponse)
def read_page(read_id: str, request: Request, db: DbSession, login: CurrentLogin) -> Response:
    try:
        why = forms.justified_from_form(dict(request.query_params))
        read = search_service.get_read(
            session=db,
            actor=Actor.of(login.user),
            read_id=read_id,
            why=why,
            purposes=_purposes(request),
            action="reads.view",
        )
    except PlateguardError as exc:
        page = _justify_page(request, exc, heading="Open a read", submit="Open read")
        if page is None:
            raise
        return page
    context = {"read": search_service.summary(read), "why": _why_params(why)}
    return render(request, "read_detail.html", context)


@router.get("/reads/{read_id}/images/{kind}")
def read_image(read_id: str, kind: str, request: Request, db: DbSession, login: CurrentLogin) -> Response:
    why = forms.justified_from_form(dict(request.query_params))
    sha256, media_type = search_service.read_image(
        session=db,
        actor=Actor.of(login.user),
        read_id=read_id,
        kind=kind,
        why=why,
        purposes=_purposes(request),
    )
    path = image_path(request.app.state.settings.images_dir, sha256)
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "private, no-store"})
