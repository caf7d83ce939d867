"""The gate's own refusals: two-factor sign-in a role must use, and the record every refusal leaves."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.accounts import administration
from plateguard.accounts.roles import Role
from tests.conftest import MakeUser, Trained, sign_in

JSON = {"Accept": "application/json"}


def denials(db: Session, username: str) -> list[AccessRecord]:
    query = select(AccessRecord).where(
        AccessRecord.action == "permission.denied", AccessRecord.username == username
    )
    return list(db.scalars(query.order_by(AccessRecord.sequence)))


def test_a_role_that_must_use_two_factor_is_refused_until_it_is_set_up(
    db: Session, client: TestClient, trained: Trained
) -> None:
    lieutenant = trained("lt.policy", Role.ADMINISTRATOR)
    trained("ofc.totp", Role.OPERATOR)
    administration.set_totp_required(session=db, actor=lieutenant, role=Role.OPERATOR, required=True)
    sign_in(client, "ofc.totp")
    refused = client.get("/alerts", headers=JSON)
    assert refused.status_code == 403
    assert "two-factor sign-in: set it up at /account/two-factor" in refused.json()["error"]["message"]
    # What any signed-in user may do stays open: the two-factor page itself above all.
    assert client.get("/account/two-factor").status_code == 200
    assert client.get("/training/me").status_code == 200


def test_a_missing_permission_is_refused_and_recorded(
    db: Session, client: TestClient, trained: Trained
) -> None:
    trained("ofc.curious", Role.OPERATOR)
    sign_in(client, "ofc.curious")
    refused = client.get("/admin/users", headers=JSON)
    assert refused.status_code == 403
    message = "your roles do not include the permission accounts:manage"
    assert refused.json()["error"]["message"] == message
    [record] = denials(db, "ofc.curious")
    assert record.outcome == "denied"
    assert record.query == {
        "method": "GET",
        "path": "/admin/users",
        "permission": "accounts:manage",
        "reason": message,
    }


def test_lapsed_training_is_refused_and_recorded(
    db: Session, client: TestClient, make_user: MakeUser
) -> None:
    make_user("aud.new", Role.AUDITOR)
    sign_in(client, "aud.new")
    refused = client.get("/audit/access-log", headers=JSON)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "training_required"
    [record] = denials(db, "aud.new")
    assert record.query["permission"] == "audit:read" and record.query["path"] == "/audit/access-log"
    assert record.query["reason"].startswith("ALPR functions are closed to you until training is current: ")
    # Managing accounts and training is open without training (460.3(d) gates ALPR data only).
    make_user("lt.new", Role.ADMINISTRATOR)
    client.cookies.clear()
    sign_in(client, "lt.new")
    assert client.get("/admin/users", headers=JSON).status_code == 200
    assert denials(db, "lt.new") == []
