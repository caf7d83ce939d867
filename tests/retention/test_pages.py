"""The records pages in the console: two-step schedules, holds, evidence downloads and release requests."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from plateguard.retention.models import LegalHold, RetentionSchedule
from plateguard.sharing.models import ReleaseRequest
from tests.conftest import Trained, sign_in
from tests.hotlists.conftest import StoreRead, camera, store_read  # noqa: F401


def post(client: TestClient, path: str, csrf: str, data: dict[str, str], **extra: object) -> int:
    response = client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False, **extra)
    return response.status_code  # type: ignore[no-any-return]


def test_custodian_proposes_and_only_the_administrator_approves(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("kim", Role.RECORDS_CUSTODIAN)
    trained("lt", Role.ADMINISTRATOR)
    csrf = sign_in(client, "kim")
    assert post(client, "/retention/schedules", csrf, {"data_kind": "reads", "days": "200"}) == 422
    assert post(client, "/retention/schedules", csrf, {"data_kind": "reads", "days": "400"}) == 303
    schedule = db.scalars(select(RetentionSchedule)).one()
    path = f"/retention/schedules/{schedule.id}/decision"
    assert post(client, path, csrf, {"decision": "approve"}) == 403
    client.cookies.clear()
    csrf = sign_in(client, "lt")
    assert post(client, path, csrf, {"decision": "approve", "note": "Per city records schedule"}) == 303
    db.refresh(schedule)
    assert schedule.status == "approved" and schedule.decided_by == "Lt (lt)"
    page = client.get("/retention")
    assert page.status_code == 200 and "400" in page.text and "Kim (kim)" in page.text


def detective_holds(client: TestClient, trained: Trained, store: StoreRead, plate: str, case: str) -> str:
    """A trained investigator signed in, one read of ``plate`` stored, and a hold of it placed for ``case``
    from the console; returns the session's CSRF token."""
    trained("det", Role.INVESTIGATOR)
    store(plate, image=None)
    csrf = sign_in(client, "det")
    form = {"case_number": case, "reason": "evidence", "requester": "DDA Lee", "plate": plate}
    assert post(client, "/holds", csrf, form) == 303
    return csrf


def test_a_hold_placed_and_released_from_the_console_is_logged(
    client: TestClient,
    db: Session,
    trained: Trained,
    store_read: StoreRead,  # noqa: F811
) -> None:
    csrf = detective_holds(client, trained, store_read, "4HLD111", "26-1")
    hold = db.scalars(select(LegalHold)).one()
    assert len(hold.reads) == 1 and hold.created_by == "Det (det)"
    assert post(client, f"/holds/{hold.id}/release", csrf, {"reason": "short"}) == 422
    assert (
        post(client, f"/holds/{hold.id}/release", csrf, {"reason": "Trial concluded, verdict entered"}) == 303
    )
    actions = db.scalars(select(AccessRecord.action).where(AccessRecord.action.like("holds.%"))).all()
    assert actions == ["holds.placed", "holds.released"]


def test_investigator_downloads_a_signed_package_from_the_console(
    client: TestClient,
    db: Session,
    trained: Trained,
    store_read: StoreRead,  # noqa: F811
) -> None:
    trained("det", Role.INVESTIGATOR)
    store_read("4HLD111")
    csrf = sign_in(client, "det")
    post(
        client,
        "/holds",
        csrf,
        {"case_number": "26-2", "reason": "evidence", "requester": "Det", "plate": "4HLD111"},
    )
    response = client.post(
        "/evidence/export", data={"csrf_token": csrf, "case_number": "26-2", "reason": "For the DA"}
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "manifest.sig" in names and "custody.pdf" in names
    assert "26-2" in client.get("/evidence").text


def test_release_request_recorded_with_its_document_and_refused_by_rule(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("kim", Role.RECORDS_CUSTODIAN)
    csrf = sign_in(client, "kim")
    fields = {
        "csrf_token": csrf,
        "agency_name": "Reno Police Department",
        "agency_state": "NV",
        "requester_kind": "law_enforcement",
        "requester_name": "Det. Ortiz",
        "contact": "ortiz@reno.example",
        "purpose": "Burglary series",
        "data_requested": "All reads of 6ABC001",
        "legal_basis": "Nevada warrant 22-19",
    }
    files = {"document": ("request.pdf", b"%PDF-1.4 letter", "application/pdf")}
    response = client.post("/releases", data=fields, files=files, follow_redirects=False)
    assert response.status_code == 303
    request = db.scalars(select(ReleaseRequest)).one()
    assert request.status == "refused" and "out-of-state" in request.rule
    page = client.get(f"/releases/{request.id}")
    assert "1798.90.55" in page.text
    assert client.get(f"/releases/{request.id}/document").content == b"%PDF-1.4 letter"
    missing = client.post("/releases", data={**fields, "agency_state": "California"}, files=files)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "agency_state"


def test_looking_at_the_holds_page_is_an_access_record(
    client: TestClient,
    db: Session,
    trained: Trained,
    store_read: StoreRead,  # noqa: F811
) -> None:
    detective_holds(client, trained, store_read, "4HLD222", "26-9")
    page = client.get("/holds")
    assert page.status_code == 200 and "26-9" in page.text
    viewed = db.scalars(select(AccessRecord).where(AccessRecord.action == "holds.viewed")).one()
    assert viewed.username == "det" and viewed.result_count == 1
