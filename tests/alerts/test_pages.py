"""Alert and hotlist pages through HTTP: permissions, the verification form, images, refusals logged."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts.roles import Role
from plateguard.alerts import service as alert_service
from plateguard.demo_scenes import render_plate
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.reads.models import PlateRead
from plateguard.reads.stored import StoredRead
from tests.conftest import TEST_ACTOR, Trained, agency_today, sign_in
from tests.hotlists.conftest import StoreRead, access_actions, make_list, stolen


def raise_alert(db: Session, store_read: StoreRead) -> str:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    read = store_read("7ABC123", image=render_plate("7ABC123"))
    (alert,) = alert_service.process_new_reads(session=db, reads=[StoredRead.of(read)], matcher=LiveMatcher())
    return str(alert.id)


def test_alert_page_shows_the_warning_the_entry_and_an_audited_image(
    client: TestClient, db: Session, trained: Trained, store_read: StoreRead
) -> None:
    trained("officer", Role.OPERATOR)
    alert_id = raise_alert(db, store_read)
    sign_in(client, "officer")
    page = client.get(f"/alerts/{alert_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert (
        "must be\n  confirmed visually and the hit confirmed through CLETS before any enforcement"
        in page.text
    )
    assert "Department BOLO" in page.text and "Stolen vehicle" in page.text
    image = client.get(f"/alerts/{alert_id}/images/plate")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert client.get(f"/alerts/{alert_id}/images/overview").status_code == 404
    actions = [a for a, user, _ in access_actions(db) if user == "officer"]
    # One record per look: the page, the image, and the refused look at a missing image.
    assert actions[-3:] == ["alerts.view", "alerts.image", "alerts.image"]
    listing = client.get("/alerts", headers={"Accept": "text/html"})
    assert "Misread statistics" in listing.text and "7ABC123" in listing.text


def test_enforcement_without_verification_is_refused_and_logged(
    client: TestClient, db: Session, trained: Trained, store_read: StoreRead
) -> None:
    trained("officer", Role.OPERATOR)
    alert_id = raise_alert(db, store_read)
    csrf = sign_in(client, "officer")
    refused = client.post(
        f"/alerts/{alert_id}/verify",
        data={"csrf_token": csrf, "visual_match": "yes", "outcome": "enforcement_taken"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "verification_required"
    assert ("alerts.verify", "officer", "denied") in access_actions(db)
    done = client.post(
        f"/alerts/{alert_id}/verify",
        data={
            "csrf_token": csrf,
            "visual_match": "yes",
            "clets_result": "confirmed",
            "outcome": "enforcement_taken",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert ("alerts.verify", "officer", "ok") in access_actions(db)


def test_roles_without_alert_permissions_are_refused(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, trained: Trained, store_read
) -> None:
    trained("auditor", Role.AUDITOR)
    alert_id = raise_alert(db, store_read)
    sign_in(client, "auditor")
    assert client.get(f"/alerts/{alert_id}").status_code == 403
    assert client.get("/hotlists").status_code == 403


def test_partial_plate_form_and_import_upload(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, trained: Trained, store_read
) -> None:
    trained("admin", Role.ADMINISTRATOR)
    store_read("4KPD123")
    csrf = sign_in(client, "admin")
    created = client.post(
        "/hotlists",
        data={"csrf_token": csrf, "name": "Major crimes", "source": "department"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"]
    missing_case = client.post(
        f"{url}/entries",
        data={
            "csrf_token": csrf,
            "plate": "4KP*",
            "category": "felony_vehicle",
            "purpose": "Criminal investigation",
            "expires_on": (agency_today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    assert missing_case.status_code == 422 and missing_case.json()["error"]["field"] == "case_number"
    added = client.post(
        f"{url}/entries",
        data={
            "csrf_token": csrf,
            "plate": "4KP*",
            "category": "felony_vehicle",
            "purpose": "Criminal investigation",
            "case_number": "26-0007",
            "expires_on": (agency_today() + dt.timedelta(days=30)).isoformat(),
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert (
        "it matched 1 stored read(s)"
        in client.get(added.headers["location"], headers={"Accept": "text/html"}).text
    )
    unexplained = client.post(
        f"{url}/import",
        data={"csrf_token": csrf, "file_format": "csv"},
        files={"file": ("list.csv", b"plate,state\nTEST1,CA\n")},
    )
    assert unexplained.status_code == 422 and unexplained.json()["error"]["field"] == "purpose"
    bad = client.post(
        f"{url}/import",
        data={"csrf_token": csrf, "file_format": "csv", "purpose": "Criminal investigation"},
        files={"file": ("list.csv", b"plate,state\nTEST1,CA\nTEST2,CALIF\n")},
    )
    assert bad.status_code == 422 and "line 3" in bad.json()["error"]["message"]
    page = client.get(url, headers={"Accept": "text/html"})
    assert "4KP*" in page.text  # the failed import changed nothing
    good = client.post(
        f"{url}/import",
        data={"csrf_token": csrf, "file_format": "csv", "purpose": "Criminal investigation"},
        files={"file": ("list.csv", b"plate,state\nTEST1,CA\nTEST2,NV\n")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    page = client.get(url, headers={"Accept": "text/html"})
    assert "TEST2" in page.text and "4KP*" not in page.text


def test_administrator_grants_and_revokes_a_restricted_list(
    client: TestClient, db: Session, trained: Trained
) -> None:
    trained("lt.alvarez", Role.ADMINISTRATOR)
    officer = trained("officer", Role.OPERATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    csrf = sign_in(client, "lt.alvarez")
    assert (
        client.post(
            f"/hotlists/{state.id}/grants",
            data={"csrf_token": csrf, "username": "officer"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    from plateguard.hotlists import service as hotlist_service

    assert "CA DOJ SVS" in [h.name for h in hotlist_service.list_visible(session=db, user=officer)]
    assert (
        client.post(
            f"/hotlists/{state.id}/grants/revoke",
            data={"csrf_token": csrf, "username": "officer"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert "CA DOJ SVS" not in [h.name for h in hotlist_service.list_visible(session=db, user=officer)]
    assert ("hotlists.revoke", "lt.alvarez", "ok") in access_actions(db)


def test_visual_yes_without_a_plate_image_is_refused_without_a_note(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, trained, store_read: StoreRead
) -> None:
    trained("officer", Role.OPERATOR)
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("6NOI555"))
    (alert,) = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("6NOI555"))], matcher=LiveMatcher()
    )
    csrf = sign_in(client, "officer")
    url = f"/alerts/{alert.id}/verify"
    refused = client.post(url, data={"csrf_token": csrf, "visual_match": "yes"}, follow_redirects=False)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "notes"
    page = client.get(f"/alerts/{alert.id}", headers={"Accept": "text/html"})
    assert 'a "yes" needs a note' in page.text
    assert "<dt>Visual match</dt><dd>not recorded</dd>" in page.text
    noted = client.post(
        url,
        data={"csrf_token": csrf, "visual_match": "yes", "notes": "Plate read on the vehicle at the stop."},
        follow_redirects=False,
    )
    assert noted.status_code == 303


def test_alert_list_filters_by_list_camera_and_time_and_shows_thumbnails(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, trained, store_read: StoreRead, agency
) -> None:
    from plateguard.access_log.models import AccessRecord
    from plateguard.cameras import service as camera_service
    from plateguard.cameras.models import CameraKind
    from plateguard.ingest import service as ingest_service
    from plateguard.ingest.schemas import ReadSubmission
    from plateguard.reads.schemas import Candidate

    trained("officer", Role.OPERATOR)
    bolo = make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    make_list(db, "Warrants", HotlistSource.DEPARTMENT, stolen("5WAR555"))
    store_read("7ABC123", image=render_plate("7ABC123"))  # on the fixture camera "Main St NB"
    union = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Union Rd EB", kind=CameraKind.FIXED
    )
    old = ReadSubmission(
        plate="5WAR555",
        confidence=0.9,
        candidates=[Candidate(plate="5WAR555", confidence=0.9)],
        region="us-ca",
        captured_at=dt.datetime(2026, 1, 10, 18, 0, tzinfo=dt.UTC),  # 10:00 Pacific
    )
    images_dir = client.app.state.settings.images_dir  # type: ignore[attr-defined]
    ingest_service.store_read(session=db, camera=union, read=old, images_dir=images_dir)
    live = LiveMatcher()
    with system_scope(db, "test"):
        reads = list(db.scalars(select(PlateRead)))
    alert_service.process_new_reads(session=db, reads=[StoredRead.of(read) for read in reads], matcher=live)
    db.commit()
    sign_in(client, "officer")

    def plates(**filters: str) -> list[str]:
        page = client.get("/alerts", params=filters, headers={"Accept": "text/html"})
        assert page.status_code == 200, page.text
        return [p for p in ("7ABC123", "5WAR555") if f'">{p}</a>' in page.text]

    assert plates() == ["7ABC123", "5WAR555"]
    assert plates(hotlist=str(bolo.id)) == ["7ABC123"]
    assert plates(camera=str(union.id)) == ["5WAR555"]
    assert plates(until="2026-01-10T10:30") == ["5WAR555"]  # agency time (Pacific)
    assert plates(until="2026-01-10T09:30") == []
    assert plates(since="2026-01-10T09:30", camera=str(union.id)) == ["5WAR555"]
    last = db.scalars(select(AccessRecord).order_by(AccessRecord.sequence.desc())).first()
    assert last is not None and last.query["since"] == "2026-01-10T17:30:00+00:00"
    assert last.query["camera_id"] == union.id
    listing = client.get("/alerts", headers={"Accept": "text/html"}).text
    assert listing.count('class="plate-thumb" src="data:image/jpeg;base64,') == 1
    refused = client.get("/alerts", params={"camera": "Main St"}, headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "camera"
    bad_time = client.get("/alerts", params={"since": "yesterday"}, headers={"Accept": "application/json"})
    assert bad_time.status_code == 422 and bad_time.json()["error"]["field"] == "since"
