"""The Administrator's account pages: create, job titles, status and role changes, all logged."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import service
from plateguard.accounts.models import AccountStatus
from plateguard.accounts.roles import Role
from tests.conftest import MakeUser, Train, agency_today, post_login, sign_in


def logged(db: Session, action: str) -> list[AccessRecord]:
    return list(db.scalars(select(AccessRecord).where(AccessRecord.action == action)))


def test_job_title_grants_its_roles_to_new_users(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    saved = client.post(
        "/admin/job-titles", data={"csrf_token": csrf, "title": "Detective", "roles": ["investigator"]}
    )
    assert saved.status_code == 200  # followed the redirect back to the page
    created = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "det.nair",
            "full_name": "Det. Priya Nair",
            "job_title": "Detective",
            "password": "a-long-enough-secret-2026",
        },
    )
    assert created.status_code == 200
    user = service.get_by_username(session=db, username="det.nair")
    assert user is not None and user.roles == {Role.INVESTIGATOR}
    assert logged(db, "account.created")[0].query["roles"] == ["investigator"]
    assert "Detective" in client.get("/admin/users").text


def test_disabling_an_account_ends_its_sessions_and_keeps_it(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    officer_client = TestClient(client.app)
    sign_in(officer_client, "ofc.chen")
    csrf = sign_in(client, "lt.alvarez")
    response = client.post(
        f"/admin/users/{officer.id}/status",
        data={"csrf_token": csrf, "status": "disabled", "reason": "left the department"},
    )
    assert response.status_code == 200
    db.refresh(officer)
    assert officer.status == AccountStatus.DISABLED
    assert officer_client.get("/").status_code == 401
    record = logged(db, "account.status")[0]
    assert record.query == {
        "user": "ofc.chen",
        "from": "active",
        "to": "disabled",
        "reason": "left the department",
    }


def test_bad_form_is_refused_without_a_change(client: TestClient, db: Session, make_user: MakeUser) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.alvarez")
    response = client.post(
        f"/admin/users/{officer.id}/status",
        data={"csrf_token": csrf, "status": "deleted", "reason": "gone"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"
    assert logged(db, "account.status") == []


def test_administrator_cannot_lock_themselves_out(client: TestClient, make_user: MakeUser) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    response = client.post(
        f"/admin/users/{admin.id}/status",
        headers={"Accept": "application/json"},
        data={"csrf_token": csrf, "status": "disabled", "reason": "testing"},
    )
    assert response.status_code == 422


def test_training_manager_records_training_and_gate_opens(
    client: TestClient, db: Session, make_user: MakeUser
) -> None:
    make_user("sgt.park", Role.TRAINING_MANAGER)
    auditor = make_user("sgt.brooks", Role.AUDITOR)
    today = agency_today()
    completed = dt.date(today.year if today >= dt.date(today.year, 3, 10) else today.year - 1, 3, 10)
    auditor_client = TestClient(client.app)
    sign_in(auditor_client, "sgt.brooks")
    assert auditor_client.get("/audit/access-log").status_code == 403
    csrf = sign_in(client, "sgt.park")
    page = client.get("/training")
    course_id = page.text.split('name="course_id"><option value="')[1].split('"')[0]
    response = client.post(
        "/training/records",
        data={
            "csrf_token": csrf,
            "user_id": str(auditor.id),
            "course_id": course_id,
            "completed_on": completed.isoformat(),
        },
    )
    assert response.status_code == 200
    assert auditor_client.get("/audit/access-log").status_code == 200
    # The course is valid for 24 months: two years on, to the day (a fixed date would expire one day).
    assert logged(db, "training.recorded")[0].query["expires_on"] == f"{completed.year + 2}-03-10"


def test_auditor_sees_the_log_and_the_view_is_logged(
    client: TestClient, db: Session, make_user: MakeUser, train: Train
) -> None:
    train(make_user("sgt.brooks", Role.AUDITOR))
    sign_in(client, "sgt.brooks")
    page = client.get("/audit/access-log", params={"action": "login."})
    assert page.status_code == 200
    assert "login.success" in page.text
    views = logged(db, "audit.view_log")
    assert views[-1].query == {"action": "login."} and views[-1].username == "sgt.brooks"


def test_roles_are_changed_keeping_those_still_held(client: TestClient, db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR, Role.AUDITOR)
    csrf = sign_in(client, "lt.alvarez")
    changed = client.post(
        f"/admin/users/{officer.id}/roles", data={"csrf_token": csrf, "roles": ["operator", "investigator"]}
    )
    assert changed.status_code == 200
    db.refresh(officer)
    assert officer.roles == {Role.OPERATOR, Role.INVESTIGATOR}
    assert logged(db, "account.roles")[0].query == {
        "user": "ofc.chen",
        "from": ["auditor", "operator"],
        "to": ["investigator", "operator"],
    }
    assert "Roles of ofc.chen: Investigator, Operator." in changed.text  # the confirmation, once
    again = client.get(f"/admin/users/{officer.id}", headers={"Accept": "text/html"})
    assert "Roles of ofc.chen: " not in again.text


def test_a_reset_password_ends_sessions_and_must_be_changed_first(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, make_user
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    officer_client = TestClient(client.app)
    sign_in(officer_client, "ofc.chen")
    csrf = sign_in(client, "lt.alvarez")
    reset = client.post(
        f"/admin/users/{officer.id}/password",
        data={"csrf_token": csrf, "new_password": "temporary granite lamp 41", "reason": "forgot it"},
    )
    assert reset.status_code == 200
    assert officer_client.get("/").status_code == 401  # the open session ended
    expected = {"user": "ofc.chen", "reason": "forgot it", "failures_cleared": 0}
    assert logged(db, "account.password_reset")[0].query == expected

    fresh = TestClient(client.app)
    officer_csrf = sign_in(fresh, "ofc.chen", "temporary granite lamp 41")
    refused = fresh.get("/cameras")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    page = fresh.get("/reads/search", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/account"
    changed = fresh.post(
        "/account/password",
        data={
            "csrf_token": officer_csrf,
            "current_password": "temporary granite lamp 41",
            "new_password": "my own quiet harbor 2026",
        },
    )
    assert changed.status_code == 200
    assert fresh.get("/", headers={"Accept": "text/html"}).status_code == 200
    db.refresh(officer)
    assert officer.must_change_password is False


def test_another_users_reset_needs_accounts_manage(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("ofc.curious", Role.OPERATOR)
    target = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.curious")
    refused = client.post(
        f"/admin/users/{target.id}/password",
        data={"csrf_token": csrf, "new_password": "temporary granite lamp 41", "reason": "take over"},
    )
    assert refused.status_code == 403
    assert post_login(TestClient(client.app), "ofc.chen", "temporary granite lamp 41").status_code != 303
