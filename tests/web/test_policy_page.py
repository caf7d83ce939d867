"""Finding 8: the public policy page is built from the live configuration and data."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.access_log.checkpoints import published_key
from plateguard.accounts import administration, training
from plateguard.accounts.roles import Role
from plateguard.config import AccessSettings, PurposeRule, Settings
from plateguard.retention.models import DataKind, RetentionSchedule, ScheduleStatus
from tests.conftest import AppFactory, MakeUser


def test_policy_page_shows_what_the_system_holds(
    client: TestClient, db: Session, make_user: MakeUser, settings: Settings
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR, full_name="Lt. Maria Alvarez")
    custodian = make_user("ms.ortiz", Role.RECORDS_CUSTODIAN, full_name="Ana Ortiz")
    custodian.job_title = "Records Supervisor"
    db.flush()
    administration.save_job_title(session=db, actor=admin, title="Detective", roles={Role.INVESTIGATOR})
    training.create_course(session=db, name="CLETS hit confirmation", validity_months=12)
    page = client.get("/policy").text
    # The custodian by title (Civil Code 1798.90.51); no name on a public page but the Administrator's.
    assert "Lt. Maria Alvarez" in page and "Records Supervisor" in page and "Ana Ortiz" not in page
    assert "Detective" in page and "CLETS hit confirmation" in page and "every 12 months" in page
    assert "Audit of system use" in page and "Auditor" in page
    assert "viewing a read, viewing a read&#39;s images (only a read that raised an alert)" in page
    key = published_key(settings.data_dir)
    assert key is not None and key in page
    assert "no approved schedule yet: kept, nothing destroyed" in page
    assert "federal, out-of-state and private requesters" in page
    db.add(
        RetentionSchedule(
            data_kind=DataKind.READS,
            days=730,
            status=ScheduleStatus.APPROVED,
            proposed_by="Ana Ortiz",
            decided_by="Lt. Maria Alvarez",
            decided_at=dt.datetime.now(dt.UTC),
        )
    )
    db.flush()
    assert (
        "730 days, then destroyed unless held (approved by Lt. Maria Alvarez)" in client.get("/policy").text
    )
    assert "Policy text" in page and "460" in page


def test_changing_the_configuration_changes_the_page(app_factory: AppFactory, db: Session) -> None:
    with TestClient(app_factory()) as client:
        before = client.get("/policy").text
    assert "Traffic safety study" not in before and "60.0 minutes" in before
    access = AccessSettings(
        purposes=("Criminal investigation", "Traffic safety study", "Alert verification"),
        purpose_rules={"Traffic safety study": PurposeRule(roles=("auditor",))},
    )
    with TestClient(app_factory(access=access)) as client:
        after = client.get("/policy").text
    assert "Traffic safety study" in after and "Homeland security" not in after
    assert "Stolen vehicle or plate recovery" in before and "Stolen vehicle or plate recovery" not in after
