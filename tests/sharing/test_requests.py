"""Release requests: recorded with the document, refused or routed by rule, approved or denied, fulfilled."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from plateguard.access_log.models import AccessRecord
from plateguard.database import transaction
from plateguard.errors import Conflict, Forbidden, InvalidInput
from plateguard.evidence.package import ExportOrder, export
from plateguard.retention import holds
from plateguard.retention.models import HoldReason
from plateguard.retention.schemas import HoldCreate, HoldCriteria
from plateguard.sharing import service as releases
from plateguard.sharing.fulfilment import fulfil
from plateguard.sharing.models import RequestStatus
from plateguard.sharing.schemas import ReleaseDecision, ReleaseRequestCreate
from tests.conftest import Prepared
from tests.retention.conftest import actor, add_read, picture

LETTER = b"%PDF-1.4 Stockton PD request for ALPR reads, signed Sgt. Ruiz"


def request_form(**changes: Any) -> ReleaseRequestCreate:
    values = {
        "agency_name": "Stockton Police Department",
        "agency_state": "CA",
        "requester_kind": "law_enforcement",
        "requester_name": "Sgt. A. Ruiz",
        "contact": "aruiz@stocktonca.example, 209-555-0100",
        "purpose": "Homicide investigation 26-88812",
        "data_requested": "Reads of 5KLM321 from 2026-11-01 to 2026-11-20",
        "case_number": "SPD-26-88812",
        "legal_basis": "Search warrant SW-2026-1193",
    }
    return ReleaseRequestCreate.model_validate({**values, **changes})


def submit(store: Prepared, **changes: Any) -> int:
    with transaction(store.factory) as session:
        request = releases.submit(
            session=session,
            actor=actor(session, "custodian"),
            settings=store.settings,
            form=request_form(**changes),
            document=LETTER,
            document_name="stockton-request.pdf",
        )
        return request.id


def status_of(store: Prepared, request_id: int) -> tuple[str, str]:
    with transaction(store.factory) as session:
        request = releases.get(session=session, request_id=request_id)
        return request.status, request.rule


@pytest.mark.parametrize(
    "changes, status, rule_part",
    [
        ({"requester_kind": "federal", "agency_name": "FBI Sacramento"}, RequestStatus.REFUSED, "federal"),
        ({"agency_state": "NV", "agency_name": "Reno PD"}, RequestStatus.REFUSED, "out-of-state"),
        ({"requester_kind": "private", "agency_name": "Acme Repossession"}, RequestStatus.REFUSED, "private"),
        (
            {"requester_kind": "other_public", "agency_name": "City Clerk"},
            RequestStatus.PUBLIC_RECORDS,
            "public-records",
        ),
    ],
)
def test_requests_the_rules_forbid_are_recorded_refused_or_routed_naming_the_rule(
    store: Prepared, changes: dict[str, str], status: RequestStatus, rule_part: str
) -> None:
    request_id = submit(store, **changes)
    found_status, rule = status_of(store, request_id)
    assert found_status == status and rule_part in rule
    with transaction(store.factory) as session:
        logged = session.scalars(select(AccessRecord).where(AccessRecord.action == "releases.received")).one()
        assert logged.query["status"] == status and rule_part in logged.query["note"]
        with pytest.raises(Conflict):
            releases.decide(
                session=session,
                actor=actor(session, "lieutenant"),
                request_id=request_id,
                decision=ReleaseDecision(approve=True, reason="Approving anyway, wrongly", approved_case="X"),
            )


def test_the_original_document_is_kept(store: Prepared) -> None:
    with transaction(store.factory) as session:
        request = releases.submit(
            session=session,
            actor=actor(session, "custodian"),
            settings=store.settings,
            form=request_form(),
            document=LETTER,
            document_name='../../etc/re"quest\r\nX-Evil: 1.pdf',
        )
        sha = request.document_sha256
        assert request.document_name == "re_quest__X-Evil_ 1.pdf"
    assert sha == hashlib.sha256(LETTER).hexdigest()
    assert (releases.documents_dir(store.settings) / sha).read_bytes() == LETTER


def hold_for_release(store: Prepared) -> None:
    add_read(store, days_old=5, plate="5KLM321", image=picture(41))
    add_read(store, days_old=4, plate="5KLM321", image=picture(42))
    add_read(store, days_old=3, plate="9NOT999", image=picture(43))
    with transaction(store.factory) as session:
        form = HoldCreate(
            case_number="REL-2026-7",
            reason=HoldReason.DISCOVERY_REQUEST,
            requester="Stockton PD",
            criteria=HoldCriteria(plate="5KLM321"),
        )
        holds.place(session=session, actor=actor(session, "custodian"), form=form)


def test_approval_then_fulfilment_sends_only_the_approved_reads_to_the_requester(store: Prepared) -> None:
    hold_for_release(store)
    request_id = submit(store)
    with transaction(store.factory) as session, pytest.raises(InvalidInput):
        releases.decide(
            session=session,
            actor=actor(session, "lieutenant"),
            request_id=request_id,
            decision=ReleaseDecision(
                approve=True, reason="Warrant checked by counsel", approved_case="NO-SUCH"
            ),
        )
    with transaction(store.factory) as session:
        releases.decide(
            session=session,
            actor=actor(session, "lieutenant"),
            request_id=request_id,
            decision=ReleaseDecision(
                approve=True,
                reason="Warrant checked by counsel",
                approved_case="REL-2026-7",
                approved_scope="5KLM321 reads, Nov 2026",
            ),
        )
    with transaction(store.factory) as session, pytest.raises(Forbidden, match="for case REL-2026-7 only"):
        export(
            session=session,
            actor=actor(session, "custodian"),
            settings=store.settings,
            order=ExportOrder("OTHER-1", "Trying a wider case", release_request_id=request_id),
        )
    with transaction(store.factory) as session:
        package = fulfil(
            session=session, actor=actor(session, "custodian"), settings=store.settings, request_id=request_id
        )
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("manifest.json"))
    records = json.loads(zipfile.ZipFile(io.BytesIO(package)).read("reads.json"))
    assert manifest["recipient"] == "Stockton Police Department" and manifest["release_request"] == str(
        request_id
    )
    assert {r["plate"] for r in records} == {"5KLM321"} and len(records) == 2
    with transaction(store.factory) as session:
        request = releases.get(session=session, request_id=request_id)
        assert request.status == RequestStatus.FULFILLED and request.package_reads == 2
        assert (
            request.decided_by == "Lieutenant (lieutenant)"
            and request.fulfilled_by == "Custodian (custodian)"
        )
        actions = [r.action for r in session.scalars(select(AccessRecord).order_by(AccessRecord.sequence))]
    assert actions[-3:] == ["releases.approved", "evidence.exported", "releases.fulfilled"]


def test_a_denied_request_cannot_be_fulfilled(store: Prepared) -> None:
    hold_for_release(store)
    request_id = submit(store)
    with transaction(store.factory) as session:
        releases.decide(
            session=session,
            actor=actor(session, "custodian"),
            request_id=request_id,
            decision=ReleaseDecision(approve=False, reason="The warrant names another vehicle"),
        )
    with transaction(store.factory) as session, pytest.raises(Conflict):
        fulfil(
            session=session, actor=actor(session, "custodian"), settings=store.settings, request_id=request_id
        )
    assert status_of(store, request_id)[0] == RequestStatus.DENIED
