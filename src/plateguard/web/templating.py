"""Jinja2 pages rendered on the server, with the layout every console page shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from plateguard.web.navigation import visible_items

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    login = getattr(request.state, "login", None)
    base = {
        "login": login,
        "user": login.user if login is not None else None,
        "csrf_token": login.csrf_token if login is not None else "",
        "permissions": getattr(request.state, "permissions", frozenset()),
        "agency_name": request.app.state.settings.agency.name,
        "nav_items": visible_items(getattr(request.state, "permissions", frozenset())),
        "current_path": request.url.path,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)
