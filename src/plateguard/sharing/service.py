"""Release requests (460.7): recorded with the original document, checked against the sharing rules,
approved or denied with a reason by the Administrator or designee, fulfilled as an evidence package."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from plateguard.retention import holds
from plateguard.retention.service import name_of
from plateguard.sharing.models import ReleaseRequest, RequestStatus
from plateguard.sharing.rules import Verdict, rule_on
from plateguard.sharing.schemas import MAX_DOCUMENT_BYTES, ReleaseDecision, ReleaseRequestCreate

RELEASE_PURPOSE = "Release to another agency"
_STATUS_OF = {
    Verdict.ALLOWED: RequestStatus.SUBMITTED,
    Verdict.REFUSED: RequestStatus.REFUSED,
    Verdict.PUBLIC_RECORDS: RequestStatus.PUBLIC_RECORDS,
}


def documents_dir(settings: Settings) -> Path:
    return settings.data_dir / "release-documents"


def get(*, session: Session, request_id: int) -> ReleaseRequest:
    request = session.get(ReleaseRequest, request_id)
    if request is None:
        raise NotFound(f"no release request {request_id}", field="request_id")
    return request


def list_(*, session: Session) -> list[ReleaseRequest]:
    return list(session.scalars(select(ReleaseRequest).order_by(ReleaseRequest.id.desc())))


def submit(
    *,
    session: Session,
    actor: Actor,
    settings: Settings,
    form: ReleaseRequestCreate,
    document: bytes,
    document_name: str,
) -> ReleaseRequest:
    """Record a written request with its document; the sharing rules refuse or route it at once."""
    if not document:
        raise InvalidInput("attach the written request (the original document)", field="document")
    if len(document) > MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge("the document is larger than 20 MB", field="document")
    state = form.agency_state.upper()
    ruling = rule_on(kind=form.requester_kind, state=state, sharing=settings.sharing)
    sha = _keep_document(documents_dir(settings), document)
    request = ReleaseRequest(
        **form.model_dump(exclude={"agency_state"}),
        agency_state=state,
        document_name=_safe_name(document_name),
        document_sha256=sha,
        status=_STATUS_OF[ruling.verdict],
        rule=ruling.rule,
        recorded_by=name_of(actor),
    )
    session.add(request)
    session.flush()
    _log(session, actor, "releases.received", request, note=ruling.rule)
    return request


def _safe_name(name: str) -> str:
    """The uploaded file's name, kept to characters safe in a download header."""
    return re.sub(r"[^A-Za-z0-9._ -]", "_", Path(name).name)[:200] or "request"


def _keep_document(folder: Path, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    path = folder / sha
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    return sha


def decide(*, session: Session, actor: Actor, request_id: int, decision: ReleaseDecision) -> ReleaseRequest:
    """Approve (naming our case whose held reads go) or deny, with a reason; only a submitted request."""
    request = get(session=session, request_id=request_id)
    if request.status != RequestStatus.SUBMITTED:
        raise Conflict(f"request {request_id} is {request.status}; only a submitted request is decided")
    approved_case = decision.approved_case.strip().upper()
    if decision.approve:
        if not approved_case:
            raise InvalidInput("name the case whose held reads are released", field="approved_case")
        if not holds.held_ids(session=session, case_number=approved_case):
            raise InvalidInput(f"no active hold holds reads for case {approved_case}", field="approved_case")
    request.status = RequestStatus.APPROVED if decision.approve else RequestStatus.DENIED
    request.decided_by, request.decided_at = name_of(actor), utcnow()
    request.decision_reason = decision.reason.strip()
    request.approved_scope = f"{approved_case}: {decision.approved_scope.strip()}" if decision.approve else ""
    session.flush()
    _log(
        session,
        actor,
        "releases.approved" if decision.approve else "releases.denied",
        request,
        note=decision.reason,
    )
    return request


def approved_case(request: ReleaseRequest) -> str:
    return request.approved_scope.split(":", 1)[0]


def check_fulfilment(*, session: Session, settings: Settings, request_id: int, case_number: str) -> str:
    """The recipient of a fulfilment: the approved request's agency, still allowed, for the approved case."""
    request = get(session=session, request_id=request_id)
    if request.status != RequestStatus.APPROVED:
        raise Conflict(f"request {request_id} is {request.status}; only an approved request is fulfilled")
    ruling = rule_on(kind=request.requester_kind, state=request.agency_state, sharing=settings.sharing)
    if ruling.verdict is not Verdict.ALLOWED:
        raise Forbidden(ruling.rule)
    if case_number.strip().upper() != approved_case(request):
        raise Forbidden(f"request {request_id} was approved for case {approved_case(request)} only")
    return request.agency_name


def mark_fulfilled(
    *, session: Session, actor: Actor, request_id: int, package_sha256: str, reads: int
) -> ReleaseRequest:
    request = get(session=session, request_id=request_id)
    request.status = RequestStatus.FULFILLED
    request.fulfilled_by, request.fulfilled_at = name_of(actor), utcnow()
    request.package_sha256, request.package_reads = package_sha256, reads
    session.flush()
    _log(session, actor, "releases.fulfilled", request, note=f"package {package_sha256}")
    return request


def _log(session: Session, actor: Actor, action: str, request: ReleaseRequest, *, note: str) -> None:
    access_log.append(
        session=session,
        actor=actor,
        action=action,
        query={
            "request": request.id,
            "agency": request.agency_name,
            "state": request.agency_state,
            "requester_kind": request.requester_kind,
            "status": request.status,
            "note": note[:500],
        },
        justification=Justification(RELEASE_PURPOSE, request.purpose[:500], request.case_number or None),
    )
