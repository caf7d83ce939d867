"""Audit pages (460.5(c)), the dashboards, and security incidents."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard.access_log.service import Actor, audited_access
from plateguard.accounts.roles import Permission
from plateguard.audits import charts, incidents, report, statistics
from plateguard.audits import service as audits
from plateguard.audits.models import Finding
from plateguard.audits.rules import RULE_LABELS
from plateguard.audits.schemas import OpenAudit, RecordFinding, RecordIncident, RecordNotice, SignOff
from plateguard.audits.statistics import Window
from plateguard.database import utcnow
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.forms import form_model
from plateguard.web.templating import render

router = APIRouter()
DASHBOARD_DAYS = 14


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.agency.timezone)


@router.get("/audits", response_class=HTMLResponse)
def audits_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    today = utcnow().astimezone(_zone(request)).date()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    context = {
        "audits": audits.list_audits(session=db),
        "counts": audits.counts,
        "default_start": last_month_end.replace(day=1),
        "default_end": last_month_end,
        "sample_size": request.app.state.settings.audit.sample_size,
    }
    return render(request, "audits.html", context)


@router.post("/audits")
def open_audit(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[OpenAudit, Depends(form_model(OpenAudit))],
) -> Response:
    audit = audits.open_audit(
        session=db,
        actor=Actor.of(login.user),
        settings=request.app.state.settings,
        start=form.period_start,
        end=form.period_end,
        sample_size=form.sample_size,
    )
    return RedirectResponse(f"/audits/{audit.id}", status_code=303)


@router.get("/audits/{audit_id}", response_class=HTMLResponse)
def audit_page(request: Request, db: DbSession, login: CurrentLogin, audit_id: int) -> Response:
    audit = audits.view_audit(session=db, actor=Actor.of(login.user), audit_id=audit_id)
    context = {
        "audit": audit,
        "tally": audits.counts(audit),
        "rule_labels": RULE_LABELS,
        "findings": list(Finding),
        "may_conduct": Permission.AUDIT_CONDUCT in request.state.permissions,
        "digest": audits.findings_digest(audit) if audit.signed_off else None,
    }
    return render(request, "audit.html", context)


@router.post("/audits/{audit_id}/items/{item_id}")
def record_finding(
    db: DbSession,
    login: CurrentLogin,
    audit_id: int,
    item_id: int,
    form: Annotated[RecordFinding, Depends(form_model(RecordFinding))],
) -> Response:
    audits.record_finding(
        session=db,
        actor=Actor.of(login.user),
        audit_id=audit_id,
        item_id=item_id,
        finding=form.finding,
        note=form.note,
    )
    return RedirectResponse(f"/audits/{audit_id}#item-{item_id}", status_code=303)


@router.post("/audits/{audit_id}/sign-off")
def sign_off(
    db: DbSession,
    login: CurrentLogin,
    audit_id: int,
    form: Annotated[SignOff, Depends(form_model(SignOff))],
) -> Response:
    audits.sign_off(session=db, actor=Actor.of(login.user), audit_id=audit_id, summary=form.summary)
    return RedirectResponse(f"/audits/{audit_id}", status_code=303)


def _report(request: Request, db: DbSession, login: CurrentLogin, audit_id: int) -> report.ReportData:
    audit = audits.get_audit(session=db, audit_id=audit_id)
    query = {"audit": audit.id, "period": f"{audit.period_start}..{audit.period_end}"}
    with audited_access(
        session=db, actor=Actor.of(login.user), action="audit.report", query=query, justification=None
    ):
        return report.gather(
            session=db,
            settings=request.app.state.settings,
            start=audit.period_start,
            end=audit.period_end,
            audit=audit,
        )


@router.get("/audits/{audit_id}/report.html", response_class=HTMLResponse)
def report_html(request: Request, db: DbSession, login: CurrentLogin, audit_id: int) -> Response:
    return HTMLResponse(report.html(_report(request, db, login, audit_id), standalone=False))


@router.get("/audits/{audit_id}/report.pdf")
def report_pdf(request: Request, db: DbSession, login: CurrentLogin, audit_id: int) -> Response:
    data = _report(request, db, login, audit_id)
    name = f"audit-{audit_id}-report.pdf"
    return Response(
        report.pdf(data),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def _charted(series: list[statistics.Series]) -> list[tuple[statistics.Series, str]]:
    return [(s, charts.svg_data_url(s)) for s in series]


def _last_days(request: Request) -> Window:
    today = utcnow().astimezone(_zone(request)).date()
    return Window.of_days(today - dt.timedelta(days=DASHBOARD_DAYS - 1), today, _zone(request))


@router.get("/dashboards/operations", response_class=HTMLResponse)
def operations_dashboard(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    """The Administrator's view: the cameras at work and how their hits held up."""
    window = _last_days(request)
    series = [
        statistics.reads_per_camera_and_day(db, window),
        statistics.alerts_by_outcome(db, window),
        statistics.misreads_per_camera(db, window),
    ]
    context = {"heading": "Operations dashboard", "days": DASHBOARD_DAYS, "charts": _charted(series)}
    return render(request, "dashboard_charts.html", context)


@router.get("/dashboards/audit", response_class=HTMLResponse)
def audit_dashboard(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    """The Auditor's view: who searched, why, and what was refused."""
    window = _last_days(request)
    series = [
        statistics.searches_by_purpose(db, window),
        statistics.searches_by_user(db, window),
        statistics.alerts_by_outcome(db, window),
        statistics.misreads_per_camera(db, window),
    ]
    context = {
        "heading": "Audit dashboard",
        "days": DASHBOARD_DAYS,
        "charts": _charted(series),
        "refusals": statistics.prohibited_refusals(db, window),
    }
    return render(request, "dashboard_charts.html", context)


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    settings = request.app.state.settings.incidents
    found = incidents.view_incidents(session=db, actor=Actor.of(login.user))
    context = {
        "incidents": [(i, incidents.duties(i, settings)) for i in found],
        "now": utcnow(),
        "may_manage": Permission.INCIDENTS_MANAGE in request.state.permissions,
    }
    return render(request, "incidents.html", context)


@router.post("/incidents")
def record_incident(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[RecordIncident, Depends(form_model(RecordIncident))],
) -> Response:
    discovered = form.discovered_at
    if discovered.tzinfo is None:  # a browser's datetime-local field: the agency's time
        discovered = discovered.replace(tzinfo=_zone(request))
    incidents.record_incident(
        session=db,
        actor=Actor.of(login.user),
        discovered_at=discovered.astimezone(dt.UTC),
        discovered_by=form.discovered_by,
        data_involved=form.data_involved,
        persons_affected=form.persons_affected,
        residents_affected=form.residents_affected,
        description=form.description,
        encrypted_with_key_safe=form.encrypted_with_key_safe,
    )
    return RedirectResponse("/incidents", status_code=303)


@router.post("/incidents/{incident_id}/notice")
def record_notice(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    incident_id: int,
    form: Annotated[RecordNotice, Depends(form_model(RecordNotice))],
) -> Response:
    incidents.record_notice(
        session=db,
        actor=Actor.of(login.user),
        incident_id=incident_id,
        notice=form.notice,
        given_on=form.given_on,
        zone=_zone(request),
    )
    return RedirectResponse("/incidents", status_code=303)
