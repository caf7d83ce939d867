"""The evidence page: packages made so far, and a form that downloads a new one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from plateguard.access_log.service import Actor
from plateguard.evidence.models import EvidenceExport
from plateguard.evidence.package import ExportOrder, export
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.templating import render

router = APIRouter()


def package_response(package: bytes, name: str) -> Response:
    return Response(
        package,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/evidence", response_class=HTMLResponse)
def evidence_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    exports = list(db.scalars(select(EvidenceExport).order_by(EvidenceExport.id.desc()).limit(100)))
    settings = request.app.state.settings
    recipients = [settings.agency.name, *(partner.name for partner in settings.sharing.partners)]
    return render(request, "evidence.html", {"exports": exports, "recipients": recipients})


@router.post("/evidence/export")
def evidence_export(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    case_number: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)],
    recipient: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    order = ExportOrder(case_number, reason, recipient)
    package, row = export(
        session=db, actor=Actor.of(login.user), settings=request.app.state.settings, order=order
    )
    return package_response(package, f"evidence-{row.case_number.lower().replace('/', '-')}-{row.id}.zip")
