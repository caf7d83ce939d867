"""Audits, reports, dashboards and incidents in the console, and the public pages' promise: aggregates
only, never a plate, never an image, never a name but the ALPR Administrator's."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts.roles import Role
from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, MatchKind
from plateguard.audits import service as audits
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.config import Settings
from plateguard.demo_scenes import render_plate
from plateguard.hotlists.models import Hotlist, HotlistEntry, HotlistSource
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.sharing import service as sharing
from plateguard.sharing.models import RequesterKind
from plateguard.sharing.schemas import ReleaseRequestCreate
from tests.audits.conftest import Log
from tests.conftest import TEST_ACTOR, agency_today, sign_in

HTML = {"Accept": "text/html"}


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_an_auditor_opens_finds_and_signs_off_and_then_nothing_changes(  # type: ignore[no-untyped-def]
    client: TestClient,
    trained,
    log: Log,
    db: Session,
) -> None:
    nair = trained("det.nair", Role.INVESTIGATOR)
    now = dt.datetime.now(dt.UTC)
    log(nair, "reads.search", now - dt.timedelta(hours=2), case=None)
    trained("sgt.brooks", Role.AUDITOR)
    csrf = sign_in(client, "sgt.brooks")
    today = now.date()
    opened = client.post(
        "/audits",
        data={
            "period_start": str(today - dt.timedelta(days=1)),
            "period_end": str(today),
            "sample_size": "5",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    page = client.get(opened.headers["location"]).text
    assert "No case number where one was needed" in page and "Random sample of searches" in page
    audit_id = int(opened.headers["location"].rsplit("/", 1)[1])
    # Its items quote the searches they review, so the look is an access record like the log's own view.
    viewed = db.scalars(select(AccessRecord).where(AccessRecord.action == "audit.viewed")).all()
    assert [(r.username, r.query) for r in viewed] == [("sgt.brooks", {"audit": audit_id})]
    item_ids = [int(n) for n in re.findall(rf'action="/audits/{audit_id}/items/(\d+)"', page)]
    early = client.post(
        f"/audits/{audit_id}/sign-off", data={"summary": "done", "csrf_token": csrf}, headers=HTML
    )
    assert early.status_code == 422 and "no finding yet" in early.text
    for item_id in item_ids:
        client.post(
            f"/audits/{audit_id}/items/{item_id}",
            data={"finding": "violation", "note": "no case", "csrf_token": csrf},
        )
    signed = client.post(
        f"/audits/{audit_id}/sign-off", data={"summary": "One search without a case.", "csrf_token": csrf}
    )
    assert signed.status_code == 200 and "This audit can no longer change" in signed.text
    assert '<form method="post" action="/audits/' not in signed.text  # no edit form once signed off
    late = client.post(
        f"/audits/{audit_id}/items/{item_ids[0]}",
        data={"finding": "justified", "note": "", "csrf_token": csrf},
        headers=HTML,
    )
    assert late.status_code == 409 and "cannot change" in late.text
    report = client.get(f"/audits/{audit_id}/report.html")
    assert report.status_code == 200 and "Signed off by sgt.brooks" in report.text
    assert report.text.count('src="data:image/svg+xml;base64,') == 4  # the four charts
    pdf = client.get(f"/audits/{audit_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 20_000


def test_a_custodian_reads_audits_but_cannot_conduct_one(client: TestClient, trained) -> None:  # type: ignore[no-untyped-def]
    trained("ms.okafor", Role.RECORDS_CUSTODIAN)
    csrf = sign_in(client, "ms.okafor")
    page = client.get("/audits")
    assert page.status_code == 200 and 'action="/audits"' not in page.text
    today = agency_today()
    refused = client.post(
        "/audits", data={"period_start": str(today), "period_end": str(today), "csrf_token": csrf}
    )
    assert refused.status_code == 403


def test_dashboards_draw_their_charts(client: TestClient, trained) -> None:  # type: ignore[no-untyped-def]
    trained("lt.alvarez", Role.ADMINISTRATOR)
    sign_in(client, "lt.alvarez")
    operations = client.get("/dashboards/operations").text
    audit = client.get("/dashboards/audit").text
    for title in ("Reads per camera and day", "Hotlist hits and their outcomes", "Misread rate per camera"):
        assert title in operations
    for title in ("Searches by purpose", "Searches by user"):
        assert title in audit
    assert operations.count("data:image/svg+xml") == 3 and audit.count("data:image/svg+xml") == 4


def test_incidents_carry_their_notice_deadlines(  # type: ignore[no-untyped-def]
    client: TestClient,
    trained,
    settings: Settings,
    db: Session,
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    found = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    local = found.astimezone(dt.timezone(dt.timedelta(hours=-8))).strftime("%Y-%m-%dT%H:%M")
    form = {
        "discovered_at": local,
        "discovered_by": "IT analyst",
        "data_involved": "one week of reads",
        "persons_affected": "vehicle owners",
        "residents_affected": "900",
        "csrf_token": csrf,
    }
    assert client.post("/incidents", data=form, follow_redirects=False).status_code == 303
    page = client.get("/incidents").text
    assert "Notify affected California residents" in page and "OVERDUE" in page  # 30 days have passed
    seen = db.execute(
        select(AccessRecord.username, AccessRecord.result_count).where(
            AccessRecord.action == "audit.incidents_viewed"
        )
    ).all()
    assert seen == [("lt.alvarez", 1)]  # "data involved" may quote plates: looking is recorded
    assert "due once the residents' notice is given" in page  # 900 > 500: the Attorney General too
    incident_id = re.search(r'action="/incidents/(\d+)/notice"', page).group(1)  # type: ignore[union-attr]
    early = client.post(
        f"/incidents/{incident_id}/notice",
        data={"notice": "attorney_general", "given_on": str(agency_today()), "csrf_token": csrf},
        headers=HTML,
    )
    assert early.status_code == 422 and "residents' notice first" in early.text.replace("&#39;", "'")
    client.post(
        f"/incidents/{incident_id}/notice",
        data={"notice": "residents", "given_on": str(agency_today()), "csrf_token": csrf},
    )
    page = client.get("/incidents").text
    assert "OVERDUE" not in page and page.count("given ") >= 1
    assert "Send a sample notice to the Attorney General" in page


SECRET_PLATES = ("7SEC123", "4ZZZ999", "8ABC777")
OTHER_PEOPLE = (
    "Det. Priya Nair",
    "det.nair",
    "Sgt. Dana Brooks",
    "sgt.brooks",
    "Kim Okafor",
    "ms.okafor",
    "Jordan Reyes",  # a private person who asked for ALPR data
    "Det. Sam Lee",  # another agency's requesting officer
)


@pytest.fixture()
def crafted_agency(db: Session, make_user, log: Log, settings: Settings, agency, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Reads, hotlist entries, alerts, searches and a signed-off audit, all naming plates and people."""
    make_user("lt.alvarez", Role.ADMINISTRATOR, full_name="Lt. Maria Alvarez")
    nair = make_user("det.nair", Role.INVESTIGATOR, full_name="Det. Priya Nair")
    auditor = make_user("sgt.brooks", Role.AUDITOR, full_name="Sgt. Dana Brooks")
    make_user("ms.okafor", Role.RECORDS_CUSTODIAN, full_name="Kim Okafor")
    camera = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Main St", kind=CameraKind.FIXED
    )
    hotlist = Hotlist(name="BOLO", source=HotlistSource.DEPARTMENT)
    db.add(hotlist)
    db.flush()
    now = dt.datetime.now(dt.UTC)
    for n, plate in enumerate(SECRET_PLATES):
        read = ingest_service.store_read(
            session=db,
            camera=camera,
            read=ReadSubmission(
                plate=plate,
                confidence=0.9,
                captured_at=now - dt.timedelta(hours=n + 1),
                plate_image=base64.b64encode(render_plate(plate)),
            ),
            images_dir=tmp_path / "images",
        )
        db.add(
            HotlistEntry(
                hotlist_id=hotlist.id,
                plate=plate,
                plate_normalized=plate,
                category="bolo",
                entered_by="det.nair",
                purpose=f"follow {plate}",
            )
        )
        db.add(
            Alert(
                read_id=read.id,
                camera_id=camera.id,
                hotlist_id=hotlist.id,
                match_kind=MatchKind.EXACT,
                score=1.0,
                entry={"plate": plate},
                status=AlertStatus.CLOSED,
                outcome=AlertOutcome.MISREAD if n else AlertOutcome.ENFORCEMENT_TAKEN,
            )
        )
        db.flush()
    for plate in SECRET_PLATES:
        log(nair, "reads.search", now - dt.timedelta(hours=3), plate=plate, detail=f"owner of {plate}")
    for agency_name, kind, person in (
        ("Jordan Reyes", RequesterKind.PRIVATE, "Jordan Reyes"),
        ("Stockton PD", RequesterKind.LAW_ENFORCEMENT, "Det. Sam Lee"),
    ):
        form = ReleaseRequestCreate(
            agency_name=agency_name,
            agency_state="CA",
            requester_kind=kind,
            requester_name=person,
            contact=f"{person}, 555-0100",
            purpose=f"where {SECRET_PLATES[1]} was seen",
            data_requested=f"reads of {SECRET_PLATES[1]}",
            legal_basis=f"{person}'s own request",
        )
        sharing.submit(
            session=db,
            actor=Actor.of(nair),
            settings=settings,
            form=form,
            document=b"%PDF",
            document_name="r.pdf",
        )
    audit = audits.open_audit(
        session=db,
        actor=Actor.of(auditor),
        settings=settings,
        start=now.date() - dt.timedelta(days=2),
        end=now.date(),
    )
    for item in audit.items:
        audits.record_finding(
            session=db,
            actor=Actor.of(auditor),
            audit_id=audit.id,
            item_id=item.id,
            finding="justified",
            note=f"{SECRET_PLATES[0]} was on a warrant",
        )
    audits.sign_off(
        session=db,
        actor=Actor.of(auditor),
        audit_id=audit.id,
        summary=f"Det. Priya Nair searched {SECRET_PLATES[0]}",
    )


@pytest.mark.parametrize("path", ["/transparency", "/policy"])
def test_public_pages_never_show_a_plate_an_image_or_a_name_but_the_administrators(
    client: TestClient, crafted_agency: None, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    text = page.text
    for plate in SECRET_PLATES:
        assert plate not in text and plate.lower() not in text.lower()
    for name in OTHER_PEOPLE:
        assert name not in text
    assert "<img" not in text.lower() and "data:image" not in text and "<svg" not in text.lower()
    if path == "/transparency":
        assert "Hotlist hits in the last 30 days" in text
        assert re.search(r"<dt>Hotlist hits in the last 30 days</dt><dd>3</dd>", text)
        assert re.search(r"<dt>of which misreads or not confirmed</dt><dd>2</dd>", text)
        assert "Criminal investigation" in text  # searches by purpose: 3
        assert "Stockton PD" in text and "Private persons or companies" in text  # release requests
        assert "Signed off on" in text
    else:
        assert "Lt. Maria Alvarez" in text  # the Administrator is named on the policy page, as the law asks
