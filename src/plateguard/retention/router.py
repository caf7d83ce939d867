"""Console pages of the Records Custodian and the Administrator: schedules, destruction records, holds."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from plateguard.access_log.service import Actor
from plateguard.errors import InvalidInput
from plateguard.reads.search.forms import validated
from plateguard.retention import holds, purge_other
from plateguard.retention import purge as reads_purge
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, DestructionRecord, HoldReason
from plateguard.retention.schemas import HoldCreate, ScheduleCreate
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.templating import render

router = APIRouter()


@router.get("/retention", response_class=HTMLResponse)
def retention_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    in_force = {kind: schedules.in_force(session=db, kind=kind) for kind in DataKind}
    survey = [reads_purge.survey(session=db), *purge_other.survey_all(session=db)]
    records = list(db.scalars(select(DestructionRecord).order_by(DestructionRecord.id.desc()).limit(50)))
    context = {
        "kinds": list(DataKind),
        "in_force": in_force,
        "schedules": schedules.list_(session=db),
        "survey": purge_other.describe(survey, dry_run=True),
        "records": records,
        "minimum": schedules.READS_MINIMUM_DAYS,
    }
    return render(request, "retention.html", context)


@router.post("/retention/schedules")
def propose_schedule(
    db: DbSession,
    login: CurrentLogin,
    data_kind: Annotated[str, Form()],
    days: Annotated[str, Form()],
    legal_override: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    raw = {"data_kind": data_kind, "days": days, "legal_override": legal_override, "note": note}
    schedules.propose(session=db, actor=Actor.of(login.user), form=validated(ScheduleCreate, raw))
    return RedirectResponse("/retention", status_code=303)


@router.post("/retention/schedules/{schedule_id}/decision")
def decide_schedule(
    schedule_id: int,
    db: DbSession,
    login: CurrentLogin,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    schedules.decide(
        session=db,
        actor=Actor.of(login.user),
        schedule_id=schedule_id,
        approve=decision == "approve",
        note=note,
    )
    return RedirectResponse("/retention", status_code=303)


@router.get("/holds", response_class=HTMLResponse)
def holds_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    context = {"holds": holds.review(session=db, actor=Actor.of(login.user)), "reasons": list(HoldReason)}
    return render(request, "holds.html", context)


def _day(value: str, *, field: str, end: bool) -> dt.datetime | None:
    if not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from exc
    return dt.datetime.combine(day, dt.time.max if end else dt.time.min, tzinfo=dt.UTC)


@router.post("/holds")
def place_hold(
    db: DbSession,
    login: CurrentLogin,
    case_number: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form()],
    requester: Annotated[str, Form(max_length=200)],
    detail: Annotated[str, Form(max_length=2000)] = "",
    plate: Annotated[str, Form(max_length=24)] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    read_ids: Annotated[str, Form(max_length=400_000)] = "",
) -> Response:
    plate = plate.strip()
    criteria = {
        "plate": plate or None,
        "match": "partial" if any(c in plate for c in "*?") else "exact",
        "since": _day(since, field="since", end=False),
        "until": _day(until, field="until", end=True),
        "read_ids": [part for part in read_ids.replace(",", " ").split() if part],
    }
    raw = {"case_number": case_number, "reason": reason, "requester": requester, "detail": detail}
    form = validated(HoldCreate, {**raw, "criteria": criteria})
    hold = holds.place(session=db, actor=Actor.of(login.user), form=form)
    return RedirectResponse(f"/holds?placed={hold.id}", status_code=303)


@router.post("/holds/{hold_id}/release")
def release_hold(
    hold_id: int, db: DbSession, login: CurrentLogin, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    holds.release(session=db, actor=Actor.of(login.user), hold_id=hold_id, reason=reason)
    return RedirectResponse("/holds", status_code=303)
