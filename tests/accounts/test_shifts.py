"""The Administrator sets each user's shift on the user's page; the change is in the access log."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from tests.conftest import sign_in

JSON = {"Accept": "application/json"}


def shift_records(db: Session) -> list[AccessRecord]:
    return list(db.scalars(select(AccessRecord).where(AccessRecord.action == "account.shift")))


def test_administrator_sets_an_overnight_shift_and_it_is_logged_with_before_and_after(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, make_user
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.alvarez")
    assert "none set (usual hours 06:00-22:00 apply)" in client.get(f"/admin/users/{officer.id}").text
    saved = client.post(
        f"/admin/users/{officer.id}/shift",
        data={"csrf_token": csrf, "shift_start": "22:00", "shift_end": "06:00", "weekdays": ["1", "2", "3"]},
    )
    assert saved.status_code == 200
    assert "22:00-06:00 Mon, Tue, Wed" in saved.text
    db.refresh(officer)
    assert (officer.shift_start, officer.shift_end) == (dt.time(22), dt.time(6))
    cleared = client.post(
        f"/admin/users/{officer.id}/shift", data={"csrf_token": csrf, "shift_start": "", "shift_end": ""}
    )
    assert cleared.status_code == 200
    db.refresh(officer)
    assert officer.shift_start is None and officer.shift_end is None
    first, second = shift_records(db)
    assert first.query == {"user": "ofc.chen", "from": None, "to": "22:00-06:00 Mon, Tue, Wed"}
    assert second.query == {"user": "ofc.chen", "from": "22:00-06:00 Mon, Tue, Wed", "to": None}
    assert first.username == admin.username


def test_half_a_shift_or_a_zero_length_one_is_refused_without_a_change(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, make_user
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.alvarez")
    url = f"/admin/users/{officer.id}/shift"
    half = client.post(url, data={"csrf_token": csrf, "shift_start": "08:00"}, headers=JSON)
    same = client.post(
        url, data={"csrf_token": csrf, "shift_start": "08:00", "shift_end": "08:00"}, headers=JSON
    )
    bad_day = client.post(
        url,
        data={"csrf_token": csrf, "shift_start": "08:00", "shift_end": "16:00", "weekdays": ["8"]},
        headers=JSON,
    )
    not_a_time = client.post(
        url, data={"csrf_token": csrf, "shift_start": "25:00", "shift_end": "16:00"}, headers=JSON
    )
    assert [r.status_code for r in (half, same, bad_day, not_a_time)] == [422, 422, 422, 422]
    assert "shift_end" in half.text and "weekdays" in bad_day.text and "shift_start" in not_a_time.text
    db.refresh(officer)
    assert officer.shift_start is None
    assert shift_records(db) == []


def test_only_an_administrator_can_set_a_shift(client: TestClient, db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("sgt.brooks", Role.AUDITOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "ofc.chen")  # an officer widening their own shift
    own = client.post(
        f"/admin/users/{officer.id}/shift",
        data={"csrf_token": csrf, "shift_start": "00:00", "shift_end": "23:59"},
    )
    assert own.status_code == 403
    auditor = TestClient(client.app)
    auditor_csrf = sign_in(auditor, "sgt.brooks")
    other = auditor.post(
        f"/admin/users/{officer.id}/shift",
        data={"csrf_token": auditor_csrf, "shift_start": "00:00", "shift_end": "23:59"},
    )
    assert other.status_code == 403
    db.refresh(officer)
    assert officer.shift_start is None and shift_records(db) == []


def test_the_shift_cannot_be_set_without_signing_in(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("ofc.chen", Role.OPERATOR)
    response = client.post(
        f"/admin/users/{officer.id}/shift", data={"shift_start": "00:00", "shift_end": "23:59"}
    )
    assert response.status_code in (401, 403)


def test_a_refused_shift_returns_to_the_users_page_with_the_message(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, make_user
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    officer = make_user("ofc.chen", Role.OPERATOR)
    csrf = sign_in(client, "lt.alvarez")
    page = f"http://testserver/admin/users/{officer.id}"
    refused = client.post(
        f"/admin/users/{officer.id}/shift",
        data={"csrf_token": csrf, "shift_start": "08:00", "shift_end": ""},
        headers={"Accept": "text/html", "Referer": page},
        follow_redirects=False,
    )
    assert refused.status_code == 303 and refused.headers["location"] == f"/admin/users/{officer.id}"
    shown = client.get(f"/admin/users/{officer.id}", headers={"Accept": "text/html"}).text
    assert "Give both the start and the end of the shift, or neither" in shown
