"""Camera management pages (460.2): register, tokens shown once, maintenance log, health and silence."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.health import health
from plateguard.cameras.models import Camera, CameraKind
from tests.conftest import TEST_ACTOR, MakeUser, agency_today, complete_training, sign_in


@pytest.fixture()
def admin(db: Session, make_user: MakeUser) -> str:
    complete_training(db, make_user("lt.alvarez", Role.ADMINISTRATOR, full_name="Lt. Maria Alvarez"))
    return "lt.alvarez"


def test_administrator_registers_a_unit_issues_and_revokes_a_token(
    client: TestClient, db: Session, admin: str
) -> None:
    csrf = sign_in(client, admin)
    created = client.post(
        "/cameras",
        data={
            "csrf_token": csrf,
            "name": "Patrol unit 4A12",
            "kind": "mobile",
            "expected_interval_minutes": "120",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    page_url = created.headers["location"]
    issued = client.post(f"{page_url}/tokens", data={"csrf_token": csrf}, headers={"Accept": "text/html"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', issued.text).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            "/api/v1/reads", json={"reads": []}, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 422
    )
    again = client.get(page_url, headers={"Accept": "text/html"})
    assert token not in again.text and token[:12] in again.text  # shown once; afterwards only its prefix
    token_id = camera_service.list_tokens(
        session=db, camera=camera_service.require_by_name(session=db, name="Patrol unit 4A12")
    )[0].id
    client.post(f"{page_url}/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert (
        client.post(
            "/api/v1/reads", json={"reads": []}, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )
    actions = db.scalars(select(AccessRecord.action).where(AccessRecord.username == admin)).all()
    assert {"cameras.register", "cameras.token_issued", "cameras.token_revoked"} <= set(actions)


def test_maintenance_is_recorded_with_who_did_it(client: TestClient, db: Session, admin: str, agency) -> None:  # type: ignore[no-untyped-def]
    camera = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Main St NB", kind=CameraKind.FIXED
    )
    csrf = sign_in(client, admin)
    response = client.post(
        f"/cameras/{camera.id}/log",
        data={
            "csrf_token": csrf,
            "kind": "maintenance",
            "occurred_on": agency_today().isoformat(),
            "notes": "Lens cleaned",
        },
    )
    assert response.status_code == 200
    page = client.get(f"/cameras/{camera.id}", headers={"Accept": "text/html"})
    assert "Lens cleaned" in page.text and "Lt. Maria Alvarez" in page.text


def test_a_silent_camera_raises_a_notice(client: TestClient, db: Session, admin: str, agency) -> None:  # type: ignore[no-untyped-def]
    quiet = camera_service.create(
        session=db,
        actor=TEST_ACTOR,
        agency=agency,
        name="Airport Way SB",
        kind=CameraKind.FIXED,
        expected_interval_minutes=30,
    )
    quiet.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    db.flush()
    now = dt.datetime.now(dt.UTC)
    assert [row.camera.name for row in health(session=db, now=now) if row.silent(now)] == ["Airport Way SB"]
    sign_in(client, admin)
    page = client.get("/cameras", headers={"Accept": "text/html"})
    assert "1 silent" in page.text and "Airport Way SB" in page.text


def test_bad_coordinates_are_refused_naming_the_field(client: TestClient, db: Session, admin: str) -> None:
    csrf = sign_in(client, admin)
    response = client.post(
        "/cameras",
        data={"csrf_token": csrf, "name": "X St", "kind": "fixed", "latitude": "95", "longitude": "1"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "latitude"
    assert db.scalar(select(Camera).where(Camera.name == "X St")) is None


def test_operators_cannot_manage_cameras(client: TestClient, db: Session, make_user: MakeUser) -> None:
    complete_training(db, make_user("ofc.chen", Role.OPERATOR))
    csrf = sign_in(client, "ofc.chen")
    assert client.get("/cameras").status_code == 403
    assert client.post("/cameras", data={"csrf_token": csrf, "name": "Y", "kind": "fixed"}).status_code == 403


def test_messages_not_stored_are_shown_to_the_administrator(
    client: TestClient, db: Session, admin: str
) -> None:
    from plateguard.ingest import dead_letters

    dead_letters.record(
        session=db,
        source="mqtt",
        topic="frigate/tracked_object_update",
        reason="plate_box.2: expected a number",
        field="plate_box.2",
        payload=b"{}",
    )
    sign_in(client, admin)
    response = client.get("/cameras")
    page = response.text
    assert response.status_code == 200, page[-3000:]
    assert "Messages not stored (1 waiting)" in page
    assert "plate_box.2: expected a number" in page and "frigate/tracked_object_update" in page
