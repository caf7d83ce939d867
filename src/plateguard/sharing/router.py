"""Release request pages: record a written request, decide it, fulfil it, read its original document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard.access_log.service import Actor
from plateguard.evidence.router import package_response
from plateguard.reads.search.forms import validated
from plateguard.sharing import service as releases
from plateguard.sharing.fulfilment import fulfil
from plateguard.sharing.models import RequesterKind
from plateguard.sharing.schemas import MAX_DOCUMENT_BYTES, ReleaseDecision, ReleaseRequestCreate
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.forms import RequestForm
from plateguard.web.templating import render

router = APIRouter()
FIELDS = tuple(ReleaseRequestCreate.model_fields)


@router.get("/releases", response_class=HTMLResponse)
def releases_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    context = {"requests": releases.list_(session=db), "kinds": list(RequesterKind)}
    return render(request, "releases.html", context)


@router.post("/releases")
def submit_request(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: RequestForm,
    document: Annotated[UploadFile, File()],
) -> Response:
    data = document.file.read(MAX_DOCUMENT_BYTES + 1)
    fields = {name: form.get(name, "") for name in FIELDS}
    created = releases.submit(
        session=db,
        actor=Actor.of(login.user),
        settings=request.app.state.settings,
        form=validated(ReleaseRequestCreate, fields),
        document=data,
        document_name=document.filename or "request",
    )
    return RedirectResponse(f"/releases/{created.id}", status_code=303)


@router.get("/releases/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: int, db: DbSession, login: CurrentLogin) -> Response:
    return render(request, "release.html", {"r": releases.get(session=db, request_id=request_id)})


@router.get("/releases/{request_id}/document")
def request_document(request: Request, request_id: int, db: DbSession, login: CurrentLogin) -> Response:
    found = releases.get(session=db, request_id=request_id)
    path = releases.documents_dir(request.app.state.settings) / found.document_sha256
    headers = {
        "Content-Disposition": f'attachment; filename="{found.document_name}"',
        "Cache-Control": "no-store",
    }
    return Response(path.read_bytes(), media_type="application/octet-stream", headers=headers)


@router.post("/releases/{request_id}/decision")
def decide_request(
    request_id: int,
    db: DbSession,
    login: CurrentLogin,
    decision: Annotated[str, Form(pattern="^(approve|deny)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    approved_case: Annotated[str, Form(max_length=40)] = "",
    approved_scope: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    raw = {
        "approve": decision == "approve",
        "reason": reason,
        "approved_case": approved_case,
        "approved_scope": approved_scope,
    }
    checked = validated(ReleaseDecision, raw)
    releases.decide(session=db, actor=Actor.of(login.user), request_id=request_id, decision=checked)
    return RedirectResponse(f"/releases/{request_id}", status_code=303)


@router.post("/releases/{request_id}/fulfil")
def fulfil_request(request: Request, request_id: int, db: DbSession, login: CurrentLogin) -> Response:
    settings = request.app.state.settings
    package = fulfil(session=db, actor=Actor.of(login.user), settings=settings, request_id=request_id)
    return package_response(package, f"release-{request_id}.zip")
