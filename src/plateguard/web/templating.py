"""Jinja2 pages rendered on the server, with the layout every console page shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from plateguard.accounts.roles import Permission
from plateguard.database import canonical_json
from plateguard.web import feedback
from plateguard.web.navigation import visible_items


@dataclass(frozen=True)
class Viewer:
    """What every page shows of the signed-in user; a plain copy, usable even after a rollback."""

    username: str
    full_name: str
    job_title: str
    agency_name: str
    csrf_token: str
    two_factor_on: bool


TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["as_json"] = canonical_json


def zone_label(zone: str) -> str:
    """The agency's zone as users know it: abbreviation now and name (``PST, America/Los_Angeles``)."""
    return f"{dt.datetime.now(ZoneInfo(zone)).strftime('%Z')}, {zone}"


def local_time(value: dt.datetime | None, zone: str, layout: str = "%Y-%m-%d %H:%M:%S %Z") -> str:
    """A stored UTC time as the agency's local time, with the zone's abbreviation."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime(layout)


def local_date(value: dt.datetime | None, zone: str) -> str:
    """The agency's calendar date of a stored UTC time."""
    return local_time(value, zone, "%Y-%m-%d")


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    zone = request.app.state.settings.agency.timezone
    waiting = feedback.take(request)
    facts = getattr(request.state, "gate_facts", None)
    training_gaps = tuple(getattr(facts, "training_gaps", ()))
    permissions: frozenset[Permission] = getattr(request.state, "permissions", frozenset())
    base = {
        "user": viewer,
        "csrf_token": viewer.csrf_token if viewer is not None else "",
        "permissions": permissions,
        "training_gaps": training_gaps,
        "agency_name": request.app.state.settings.agency.name,
        "local": lambda value, layout="%Y-%m-%d %H:%M:%S %Z": local_time(value, zone, layout),
        "local_date": lambda value: local_date(value, zone),
        "zone_label": zone_label(zone),
        "feedback": waiting,
        # A user with a reset password can open nothing but My account until they choose their own.
        "nav_items": []
        if getattr(facts, "must_change_password", False)
        else visible_items(permissions, trained=not training_gaps),
        "current_path": request.url.path,
        "live_alerts": _live_alerts(request),
    }
    response = TEMPLATES.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status_code
    )
    if feedback.FLASH_COOKIE in request.cookies:
        response.delete_cookie(feedback.FLASH_COOKIE, path="/")
    return response


def _live_alerts(request: Request) -> bool:
    """The live alert banner needs the alert permission and a user the training gate lets through
    (an untrained user's stream would only be refused, and each refusal logged)."""
    facts = getattr(request.state, "gate_facts", None)
    return (
        "alerts:view" in getattr(request.state, "permissions", frozenset())
        and facts is not None
        and not facts.training_gaps
        and not facts.needs_totp_enrolment
        and not getattr(facts, "must_change_password", False)
    )
