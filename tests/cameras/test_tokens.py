"""Device tokens: shown once, stored as a hash, revocable; the device gate refuses anything else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.accounts.models import Agency
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind, CameraStatus, DeviceToken
from plateguard.errors import NotAuthenticated
from plateguard.web.access_rules import ROUTE_RULES, Gate
from tests.conftest import TEST_ACTOR


@pytest.fixture()
def unit(db: Session, agency: Agency):  # type: ignore[no-untyped-def]
    return camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Patrol unit 4A12", kind=CameraKind.MOBILE
    )


def test_token_is_shown_once_and_only_its_hash_is_kept(db: Session, unit) -> None:  # type: ignore[no-untyped-def]
    row, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=unit)
    assert token.startswith("pgd_") and len(token) > 40
    stored = db.scalars(select(DeviceToken)).all()
    assert token not in {value for r in stored for value in (r.token_hash, r.prefix)}
    assert row.prefix == token[:12]
    assert camera_service.authenticate_token(session=db, token=token).id == unit.id


def test_revoked_and_unknown_tokens_are_refused(db: Session, unit) -> None:  # type: ignore[no-untyped-def]
    row, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=unit)
    camera_service.revoke_token(session=db, actor=TEST_ACTOR, token_id=row.id)
    with pytest.raises(NotAuthenticated, match="revoked"):
        camera_service.authenticate_token(session=db, token=token)
    with pytest.raises(NotAuthenticated, match="not known"):
        camera_service.authenticate_token(session=db, token="pgd_" + "x" * 43)


def test_retired_camera_tokens_stop_working(db: Session, unit) -> None:  # type: ignore[no-untyped-def]
    _, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=unit)
    camera_service.set_status(session=db, camera=unit, status=CameraStatus.RETIRED)
    with pytest.raises(NotAuthenticated, match="retired"):
        camera_service.authenticate_token(session=db, token=token)


def test_every_device_route_is_behind_the_device_gate() -> None:
    device_routes = [path for (_, path), rule in ROUTE_RULES.items() if path.startswith("/api/v1/")]
    assert device_routes
    assert all(ROUTE_RULES[("POST", path)] is Gate.DEVICE_TOKEN for path in device_routes)


def test_a_device_token_opens_no_console_page(client: TestClient, db: Session, unit) -> None:  # type: ignore[no-untyped-def]
    _, token = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=unit)
    response = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
