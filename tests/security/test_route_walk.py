"""Every route with real objects behind it (a read with its images, an alert, a list, a camera, a user),
walked anonymously and by every role, trained and untrained. A refusal is 401/403 and shows no plate;
nobody ever gets a 500; every answer is marked not to be cached (static files aside)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.accounts.roles import ROLE_PERMISSIONS, Permission, Role
from plateguard.alerts import service as alert_service
from plateguard.audits import incidents
from plateguard.audits import service as audits
from plateguard.cameras import service as camera_service
from plateguard.config import Settings
from plateguard.demo_scenes import render_plate
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistEntry, HotlistSource
from plateguard.reads.stored import StoredRead
from plateguard.web.access_rules import ROUTE_RULES
from tests.conftest import TEST_ACTOR, MakeUser, Train, agency_today, sign_in
from tests.hotlists.conftest import StoreRead, camera, make_list, stolen, store_read
from tests.web.test_route_permissions import DENIED, expected_denied

__all__ = ["camera", "store_read"]  # fixtures reused from the hotlist tests
SECRET_PLATE = "7WALK42"


@dataclass(frozen=True)
class Objects:
    ids: dict[str, str]


@pytest.fixture()
def objects(
    db: Session, store_read: StoreRead, make_user: MakeUser, train: Train, settings: Settings
) -> Objects:
    hotlist = make_list(db, "Walk BOLO", HotlistSource.DEPARTMENT, stolen(SECRET_PLATE))
    with system_scope(db, "test"):
        entry_id = db.scalars(select(HotlistEntry.id).where(HotlistEntry.hotlist_id == hotlist.id)).one()
    read = store_read(SECRET_PLATE, image=render_plate(SECRET_PLATE))
    (alert,) = alert_service.process_new_reads(session=db, reads=[StoredRead.of(read)], matcher=LiveMatcher())
    token_row, _ = camera_service.issue_token(session=db, actor=TEST_ACTOR, camera=read.camera)
    target: User = make_user("ofc.target", Role.OPERATOR)
    today = agency_today()
    audit = audits.open_audit(
        session=db, actor=Actor.of(target), settings=settings, start=today - dt.timedelta(days=7), end=today
    )
    incident = incidents.record_incident(
        session=db,
        actor=Actor.of(target),
        discovered_at=dt.datetime.now(dt.UTC),
        discovered_by="walk",
        data_involved=f"reads of {SECRET_PLATE}",
        persons_affected="owners",
        residents_affected=1,
        description="",
    )
    for role in Role:
        train(make_user(f"{role.value.replace('_', '-')}-t", role))
        make_user(f"{role.value.replace('_', '-')}-u", role)
    ids = {
        "read_id": str(read.id),
        "kind": "plate",
        "alert_id": str(alert.id),
        "which": "plate",
        "hotlist_id": str(hotlist.id),
        "entry_id": str(entry_id),
        "camera_id": str(read.camera_id),
        "token_id": str(token_row.id),
        "user_id": str(target.id),
        "audit_id": str(audit.id),
        "item_id": str(audit.items[0].id),
        "incident_id": str(incident.id),
        "path:path": "plateguard.css",
    }
    return Objects(ids)


OBJECT_RULES = {("POST", "/hotlists/{hotlist_id}/entries/{entry_id}/remove"): Permission.HOTLISTS_MANAGE}
"""Routes whose object adds a rule of its own: the walk's entry is a full plate, which only a holder of
``hotlists:manage`` may end (``hotlists:partial`` covers partial plates)."""


def refused_by_object(method: str, path: str, role: Role | None) -> bool:
    needed = OBJECT_RULES.get((method, path))
    return needed is not None and role is not None and needed not in ROLE_PERMISSIONS[role]


def concrete(path: str, objects: Objects) -> str:
    return re.sub(r"\{([^}]+)\}", lambda match: objects.ids.get(match.group(1), "1"), path)


def walk(client: TestClient, objects: Objects, role: Role | None, trained: bool) -> list[str]:
    csrf = sign_in(client, f"{role.value.replace('_', '-')}-{'t' if trained else 'u'}") if role else ""
    wrong = []
    for (method, path), rule in sorted(ROUTE_RULES.items(), key=lambda item: item[0][1] == "/logout"):
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        response = client.request(method, concrete(path, objects), headers=headers)
        denied = response.status_code in DENIED
        if response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code}")
        if denied != (expected_denied(rule, role, trained) or refused_by_object(method, path, role)):
            wrong.append(f"{method} {path}: {response.status_code}, expected denied={not denied}")
        if denied and SECRET_PLATE.encode() in response.content:
            wrong.append(f"{method} {path}: a refusal showed the plate")
        if not path.startswith("/static") and response.headers.get("cache-control") != "no-store":
            wrong.append(f"{method} {path}: may be cached")
    return wrong


def test_every_route_with_real_objects_for_everyone(client: TestClient, objects: Objects) -> None:
    wrong: dict[str, list[str]] = {"anonymous": walk(client, objects, None, False)}
    for role in Role:
        for trained in (True, False):
            client.cookies.clear()
            wrong[f"{role.value} trained={trained}"] = walk(client, objects, role, trained)
    assert {who: problems for who, problems in wrong.items() if problems} == {}
