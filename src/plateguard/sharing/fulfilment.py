"""Fulfilling an approved release request: an evidence package of the approved case, to the requester."""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.config import Settings
from plateguard.evidence.package import ExportOrder, export
from plateguard.sharing import service as release_service


def fulfil(*, session: Session, actor: Actor, settings: Settings, request_id: int) -> bytes:
    """The package for an approved request, limited to the reads held under the approved case."""
    request = release_service.get(session=session, request_id=request_id)
    order = ExportOrder(
        case_number=release_service.approved_case(request),
        reason=f"Release request {request.id} ({request.agency_name}): {request.purpose}"[:2000],
        release_request_id=request.id,
    )
    package, row = export(session=session, actor=actor, settings=settings, order=order)
    release_service.mark_fulfilled(
        session=session,
        actor=actor,
        request_id=request.id,
        package_sha256=row.manifest_sha256,
        reads=row.reads,
    )
    return package
