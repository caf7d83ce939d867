"""Demo records: retention schedules, reads past retention, legal holds, an evidence package and
release requests in every state, made through the same services the console uses."""

from __future__ import annotations

import base64
import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor
from plateguard.accounts import service as account_service
from plateguard.cameras.models import Camera
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.demo_scenes import render_overview, vehicle_for
from plateguard.evidence.package import ExportOrder, export
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.schemas import Candidate, VehicleAttributes
from plateguard.retention import holds
from plateguard.retention import service as schedules
from plateguard.retention.models import DataKind, HoldReason
from plateguard.retention.schemas import HoldCreate, HoldCriteria, ScheduleCreate
from plateguard.sharing import service as releases
from plateguard.sharing.fulfilment import fulfil
from plateguard.sharing.schemas import ReleaseDecision, ReleaseRequestCreate

EVIDENCE_CASE, LITIGATION_CASE, RELEASE_CASE = "26-004711", "25-001187", "REL-26-0031"
SCHEDULES = (  # kind, days, approved by the Administrator?
    (DataKind.READS, 365, True),
    (DataKind.ACCESS_LOG, 1095, True),
    (DataKind.ALERTS, 730, True),
    (DataKind.RELEASE_REQUESTS, 1095, False),
    (DataKind.HOTLIST_HISTORY, 730, False),
)
REQUESTS: tuple[tuple[str, str, str, str, str], ...] = (  # agency, state, kind, person, what happens
    ("Stockton Police Department", "CA", "law_enforcement", "Det. Ana Ruiz", "fulfilled"),
    ("San Joaquin County District Attorney", "CA", "prosecutor", "DDA Mark Lee", "approved"),
    ("Modesto Police Department", "CA", "law_enforcement", "Sgt. Tom Avila", "denied"),
    ("Tracy Police Department", "CA", "law_enforcement", "Ofc. Jen Cho", "submitted"),
    ("Reno Police Department", "NV", "law_enforcement", "Det. Sam Ortiz", "refused"),
    ("U.S. Customs and Border Protection", "CA", "federal", "Agent R. Diaz", "refused"),
    ("Acme Recovery LLC", "CA", "private", "J. Smith", "refused"),
    ("City of Lathrop, City Clerk", "CA", "other_public", "Clerk D. Moss", "routed"),
)


def actor(session: Session, username: str) -> Actor:
    user = account_service.get_by_username(session=session, username=username)
    assert user is not None
    return Actor.of(user)


def add_records(session: Session, settings: Settings, cameras: list[Camera], picture: Any) -> None:
    """``picture(plate) -> PNG bytes`` draws the plate images."""
    _add_schedules(session)
    _add_reads(session, settings.images_dir, cameras, picture)
    custodian, detective = actor(session, "custodian"), actor(session, "detective")
    _hold(
        session, custodian, LITIGATION_CASE, HoldReason.LITIGATION, "City Attorney (claim 25-118)", "5HLD204"
    )
    _hold(session, detective, EVIDENCE_CASE, HoldReason.EVIDENCE, "Det. Priya Nair", "8DEM711")
    _hold(session, custodian, RELEASE_CASE, HoldReason.DISCOVERY_REQUEST, "Stockton PD warrant", "7REL031")
    package, _ = export(
        session=session,
        actor=detective,
        settings=settings,
        order=ExportOrder(EVIDENCE_CASE, "Booked into evidence for the preliminary hearing"),
    )
    folder = settings.data_dir / "evidence"
    folder.mkdir(exist_ok=True)
    (folder / f"demo-{EVIDENCE_CASE}.zip").write_bytes(package)
    for index, request in enumerate(REQUESTS):
        _release_request(session, settings, index, *request)


def _add_schedules(session: Session) -> None:
    for kind, days, approved in SCHEDULES:
        form = ScheduleCreate(data_kind=kind, days=days, note="City records retention schedule 2026")
        schedule = schedules.propose(session=session, actor=actor(session, "custodian"), form=form)
        if approved:
            schedules.decide(
                session=session,
                actor=actor(session, "admin"),
                schedule_id=schedule.id,
                approve=True,
                note="Reviewed with the City Attorney",
            )


def _add_reads(session: Session, images_dir: Path, cameras: list[Camera], picture: Any) -> None:
    """Reads past the one-year schedule (one of them held) and the reads of two cases."""
    rng = random.Random(34090)
    now = utcnow()
    batches = [(f"6OLD{n:03d}", 380 + n * 5) for n in range(8)] + [("5HLD204", 395)]
    batches += [("8DEM711", 2 + n) for n in range(3)] + [("7REL031", 5 + n) for n in range(2)]
    for plate, days in batches:
        vehicle = vehicle_for(plate)
        captured_at = now - dt.timedelta(days=days, minutes=rng.uniform(0, 600))
        camera = rng.choice(cameras)
        overview = render_overview(plate, vehicle, camera=camera.name, at=captured_at, night=False)
        read = ReadSubmission(
            plate=plate,
            confidence=0.95,
            candidates=[Candidate(plate=plate, confidence=0.95)],
            region="us-ca",
            captured_at=captured_at,
            vehicle=VehicleAttributes(
                color=vehicle.color, type=vehicle.type, make=vehicle.make, model=vehicle.model
            ),
            plate_image=base64.b64encode(picture(plate)),
            overview_image=base64.b64encode(overview),
        )
        ingest_service.store_read(session=session, camera=camera, read=read, images_dir=images_dir)


def _hold(session: Session, by: Actor, case: str, reason: HoldReason, requester: str, plate: str) -> None:
    form = HoldCreate(
        case_number=case, reason=reason, requester=requester, criteria=HoldCriteria(plate=plate)
    )
    holds.place(session=session, actor=by, form=form)


def _release_request(
    session: Session,
    settings: Settings,
    index: int,
    agency: str,
    state: str,
    kind: str,
    person: str,
    outcome: str,
) -> None:
    custodian, admin = actor(session, "custodian"), actor(session, "admin")
    form = ReleaseRequestCreate(
        agency_name=agency,
        agency_state=state,
        requester_kind=kind,
        requester_name=person,
        contact=f"{person.split()[-1].lower()}@{agency.split()[0].lower()}.example",
        purpose="Robbery investigation"
        if kind != "other_public"
        else "Council inquiry into camera locations",
        data_requested="Reads of 7REL031, 2026-11-01 to 2026-11-28",
        case_number=f"EXT-{index + 1:03d}",
        legal_basis="Search warrant" if kind in ("law_enforcement", "prosecutor") else "Written request",
    )
    document = f"%PDF-1.4\n% written request from {agency}, signed {person}\n".encode()
    request = releases.submit(
        session=session,
        actor=custodian,
        settings=settings,
        form=form,
        document=document,
        document_name=f"request-{index + 1}.pdf",
    )
    if outcome not in ("fulfilled", "approved", "denied"):
        return
    approve = outcome != "denied"
    decision = ReleaseDecision(
        approve=approve,
        reason="Warrant reviewed; scope limited to the named plate" if approve else "No warrant attached",
        approved_case=RELEASE_CASE if approve else "",
        approved_scope="Reads of 7REL031 only" if approve else "",
    )
    releases.decide(session=session, actor=admin, request_id=request.id, decision=decision)
    if outcome == "fulfilled":
        fulfil(session=session, actor=custodian, settings=settings, request_id=request.id)
