"""Finding 4: a purpose waives the case number only for the action it describes and the roles it names.
Finding 6: a refused or failed access leaves its own record, without the data."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.alerts.models import Alert, MatchKind
from plateguard.config import AccessSettings, PurposeRule
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from plateguard.reads.models import PlateRead
from plateguard.reads.search import exports
from tests.conftest import AppFactory, Trained, sign_in
from tests.search.conftest import MAIN_ST, Scene

HTML = {"Accept": "text/html"}
VERIFYING = {"purpose": "Alert verification"}
AUDITING = {"purpose": "Audit of system use"}
INVESTIGATING = {"purpose": "Criminal investigation", "case_number": "24-001234"}


def records(db: Session, action: str, outcome: str) -> list[AccessRecord]:
    query = select(AccessRecord).where(AccessRecord.action == action, AccessRecord.outcome == outcome)
    return list(db.scalars(query.order_by(AccessRecord.sequence)))


def alert_on(db: Session, read_id: str) -> None:
    from plateguard.access_log.service import Actor

    actor = Actor.system("Test PD", "test")
    hotlist = hotlist_service.create(session=db, actor=actor, name="BOLO", source=HotlistSource.DEPARTMENT)
    with system_scope(db, "test"):
        read = db.get(PlateRead, uuid.UUID(read_id))
        assert read is not None
        db.add(
            Alert(
                read_id=read.id,
                camera_id=read.camera_id,
                hotlist_id=hotlist.id,
                match_kind=MatchKind.EXACT,
                score=1.0,
            )
        )
        db.flush()


def test_alert_verification_does_not_open_a_canvass_a_timeline_or_an_export(
    client: TestClient, trained: Trained, scene: Scene
) -> None:
    trained("ofc.chen", Role.OPERATOR)
    trained("det.nair", Role.INVESTIGATOR)
    sign_in(client, "ofc.chen")
    canvass = {
        "plate": "7*",
        "match": "partial",
        "center_lat": MAIN_ST[0],
        "center_lon": MAIN_ST[1],
        "radius_m": 500,
    }
    assert client.get("/reads/search", params=canvass | VERIFYING, headers=HTML).status_code == 422
    timeline = client.get("/reads/timeline", params={"plate": "7ABC123"} | VERIFYING)
    assert timeline.status_code == 422 and timeline.json()["error"]["field"] == "case_number"
    csrf = sign_in(client, "det.nair")
    export = client.post(
        "/api/reads/export",
        json={"query": {"plate": "7ABC123"}, "format": "csv"} | VERIFYING,
        headers={"X-CSRF-Token": csrf},
    )
    assert export.status_code == 422 and export.json()["error"]["field"] == "case_number"


def test_alert_verification_covers_only_a_read_that_raised_an_alert(
    client: TestClient, db: Session, trained: Trained, scene: Scene
) -> None:
    trained("ofc.chen", Role.OPERATOR)
    alerted, other = scene.reads["7ABC123"][0], scene.reads["5KX9000"][0]
    alert_on(db, alerted)
    sign_in(client, "ofc.chen")
    assert client.get(f"/reads/{alerted}", params=VERIFYING, headers=HTML).status_code == 200
    assert client.get(f"/reads/{alerted}/images/plate", params=VERIFYING).status_code == 200
    refused = client.get(f"/reads/{other}", params=VERIFYING)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "case_number"
    assert records(db, "reads.view", "refused")[-1].query["read_id"] == other


def test_the_audit_purpose_is_for_auditors_only(
    client: TestClient, db: Session, trained: Trained, scene: Scene
) -> None:
    trained("ofc.chen", Role.OPERATOR)
    auditing_admin: User = trained("lt.alvarez", Role.ADMINISTRATOR, Role.AUDITOR)
    read_id = scene.reads["7ABC123"][0]
    sign_in(client, "ofc.chen")
    timeline = client.get("/reads/timeline", params={"plate": "7ABC123"} | AUDITING | {"case_number": "A-1"})
    assert timeline.status_code == 403 and "Auditor" in timeline.json()["error"]["message"]
    assert client.get(f"/reads/{read_id}", params=AUDITING).status_code == 403
    sign_in(client, auditing_admin.username)
    assert client.get(f"/reads/{read_id}", params=AUDITING, headers=HTML).status_code == 200
    assert client.get("/reads/timeline", params={"plate": "7ABC123"} | AUDITING).status_code == 422


def test_waivers_follow_the_configuration(
    app_factory: AppFactory, db: Session, trained: Trained, scene: Scene
) -> None:
    trained("ofc.chen", Role.OPERATOR)
    read_id = scene.reads["5KX9000"][0]
    rules = {"Alert verification": PurposeRule(waives_case_number_for=("reads.view",))}
    app = app_factory(access=AccessSettings(purpose_rules=rules))
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, "ofc.chen")
        assert client.get(f"/reads/{read_id}", params=VERIFYING, headers=HTML).status_code == 200
    with TestClient(
        app_factory(access=AccessSettings(purpose_rules={})), raise_server_exceptions=False
    ) as client:
        sign_in(client, "ofc.chen")
        assert client.get(f"/reads/{read_id}", params=VERIFYING).status_code == 422


def test_a_search_over_the_row_limit_leaves_a_refused_record_without_data(
    client: TestClient, db: Session, investigator: User, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "MAX_EXPORT_READS", 1)
    csrf = sign_in(client, investigator.username)
    response = client.post(
        "/api/reads/export",
        json={"query": {"plate": "7ABC123"}, "format": "csv"} | INVESTIGATING,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    refused = records(db, "reads.export", "refused")
    assert len(refused) == 1
    assert refused[0].query["plate"] == "7ABC123" and "more than 1 reads match" in refused[0].query["refused"]
    assert refused[0].result_count == 0 and refused[0].case_number == "24-001234"


def test_an_unknown_read_id_leaves_a_refused_record(
    client: TestClient, db: Session, investigator: User, scene: Scene
) -> None:
    sign_in(client, investigator.username)
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/reads/{missing}", params=INVESTIGATING).status_code == 404
    refused = records(db, "reads.view", "refused")
    assert [r.query["read_id"] for r in refused] == [missing]
    assert refused[0].username == investigator.username
