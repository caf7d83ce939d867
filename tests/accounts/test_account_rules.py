"""The Administrator's account rules, below the pages: status and role changes (never locking oneself
out), job titles, two-factor requirements and enrolment, and what each writes to the access log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import Actor
from plateguard.accounts import administration
from plateguard.accounts.models import AccountStatus, Agency, JobTitle, SignInFailure, User
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.errors import Conflict, InvalidInput, NotFound
from tests.conftest import MakeUser


def logged(db: Session, action: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(AccessRecord).where(AccessRecord.action == action).order_by(AccessRecord.sequence)
    )
    return [row.query for row in rows]


def refused_field(action: Any) -> str | None:
    with pytest.raises(InvalidInput) as refused:
        action()
    return refused.value.field


def test_a_status_change_needs_a_reason_and_never_closes_ones_own_account(
    db: Session, make_user: MakeUser
) -> None:
    admin, chen = make_user("lt.alvarez", Role.ADMINISTRATOR), make_user("ofc.chen", Role.OPERATOR)

    def change(user: User, status: AccountStatus, reason: str) -> None:
        administration.set_status(session=db, actor=admin, user=user, status=status, reason=reason)

    assert refused_field(lambda: change(admin, AccountStatus.SUSPENDED, "testing")) == "status"
    assert refused_field(lambda: change(chen, AccountStatus.SUSPENDED, "   ")) == "reason"
    assert (admin.status, chen.status) == (AccountStatus.ACTIVE, AccountStatus.ACTIVE)
    change(admin, AccountStatus.ACTIVE, "already active")  # allowed: it closes nothing
    change(chen, AccountStatus.DISABLED, "  left the department ")
    assert chen.status == AccountStatus.DISABLED
    assert logged(db, "account.status")[-1] == {
        "user": "ofc.chen",
        "from": "active",
        "to": "disabled",
        "reason": "left the department",
    }


def test_reactivating_an_account_forgets_its_failed_sign_ins_and_says_how_many(
    db: Session, make_user: MakeUser
) -> None:
    admin, chen = make_user("lt.alvarez", Role.ADMINISTRATOR), make_user("ofc.chen", Role.OPERATOR)
    at = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    db.add_all(SignInFailure(username=name, address="10.1.1.1", at=at) for name in ["ofc.chen"] * 4 + ["x"])
    administration.set_status(session=db, actor=admin, user=chen, status=AccountStatus.SUSPENDED, reason="r")
    assert "failures_cleared" not in logged(db, "account.status")[-1]
    assert len(db.scalars(select(SignInFailure)).all()) == 5  # suspending forgets nothing
    administration.set_status(session=db, actor=admin, user=chen, status=AccountStatus.ACTIVE, reason="back")
    assert logged(db, "account.status")[-1]["failures_cleared"] == 4
    assert [row.username for row in db.scalars(select(SignInFailure))] == ["x"]


def test_roles_need_one_at_least_and_an_administrator_keeps_her_own(db: Session, make_user: MakeUser) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    chen = make_user("ofc.chen", Role.OPERATOR)

    def give(user: User, roles: set[Role]) -> None:
        administration.set_roles(session=db, actor=admin, user=user, roles=roles)

    assert refused_field(lambda: give(chen, set())) == "roles"
    assert refused_field(lambda: give(admin, {Role.AUDITOR})) == "roles"
    assert admin.roles == {Role.ADMINISTRATOR}
    give(admin, {Role.ADMINISTRATOR, Role.AUDITOR})
    assert admin.roles == {Role.ADMINISTRATOR, Role.AUDITOR}
    [kept] = [grant for grant in chen.role_grants if grant.role == "operator"]
    give(chen, {Role.OPERATOR, Role.INVESTIGATOR})
    give(chen, {Role.INVESTIGATOR})
    db.refresh(chen)
    assert chen.roles == {Role.INVESTIGATOR} and kept not in chen.role_grants
    assert logged(db, "account.roles")[-2:] == [
        {"user": "ofc.chen", "from": ["operator"], "to": ["investigator", "operator"]},
        {"user": "ofc.chen", "from": ["investigator", "operator"], "to": ["investigator"]},
    ]


def test_a_role_already_held_keeps_its_grant_and_the_date_it_was_given(
    db: Session, make_user: MakeUser
) -> None:
    admin, chen = make_user("lt.alvarez", Role.ADMINISTRATOR), make_user("ofc.chen", Role.OPERATOR)
    [grant] = chen.role_grants
    granted = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    grant.granted_at = granted
    db.flush()
    administration.set_roles(session=db, actor=admin, user=chen, roles={Role.OPERATOR, Role.AUDITOR})
    db.refresh(chen)
    dates = {grant.role: grant.granted_at for grant in chen.role_grants}
    assert dates["operator"] == granted and dates["auditor"] > granted


def test_a_job_title_is_defined_once_and_redefined_in_place(db: Session, make_user: MakeUser) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)

    def save(title: str, roles: set[Role], description: str = "") -> JobTitle:
        return administration.save_job_title(
            session=db, actor=admin, title=title, roles=roles, description=description
        )

    assert refused_field(lambda: save("  ", {Role.OPERATOR})) == "title"
    assert refused_field(lambda: save("Detective", set())) == "roles"
    first = save(" Detective ", {Role.OPERATOR, Role.INVESTIGATOR}, " Investigations bureau ")
    again = save("Detective", {Role.INVESTIGATOR})
    assert first.id == again.id and (again.title, again.description) == ("Detective", "")
    assert administration.roles_for_title(session=db, title=" Detective ") == {Role.INVESTIGATOR}
    assert administration.roles_for_title(session=db, title="Dispatcher") == set()
    assert [row.title for row in administration.job_titles(session=db)] == ["Detective"]
    assert logged(db, "config.job_title") == [
        {"title": "Detective", "roles": "investigator,operator"},
        {"title": "Detective", "roles": "investigator"},
    ]
    assert first.description == "" and save("Sergeant", {Role.OPERATOR}, " Patrol ").description == "Patrol"


def test_two_factor_is_required_of_a_role_until_the_requirement_is_lifted(
    db: Session, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    auditor, chen = make_user("aud.ruiz", Role.AUDITOR), make_user("ofc.chen", Role.OPERATOR)

    def require(role: Role, required: bool) -> None:
        administration.set_totp_required(session=db, actor=admin, role=role, required=required)

    require(Role.AUDITOR, True)
    require(Role.INVESTIGATOR, True)
    assert administration.totp_required_roles(session=db) == {Role.AUDITOR, Role.INVESTIGATOR}
    assert administration.needs_totp_enrolment(session=db, user=auditor)
    assert not administration.needs_totp_enrolment(session=db, user=chen)
    auditor.totp_secret = pyotp.random_base32()
    assert not administration.needs_totp_enrolment(session=db, user=auditor)
    require(Role.INVESTIGATOR, False)
    assert administration.totp_required_roles(session=db) == {Role.AUDITOR}
    assert logged(db, "config.totp_required") == [
        {"role": "auditor", "required": True},
        {"role": "investigator", "required": True},
        {"role": "investigator", "required": False},
    ]


def test_enrolment_takes_a_valid_key_and_its_current_code_once(db: Session, make_user: MakeUser) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    secret = administration.new_totp_secret()
    code = pyotp.TOTP(secret).now()

    def enrol(key: str, typed: str) -> None:
        administration.enrol_totp(session=db, user=user, secret=key, code=typed)

    assert refused_field(lambda: enrol("not base32 at all!", code)) == "secret"
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    assert refused_field(lambda: enrol(secret, wrong)) == "code"
    assert user.totp_secret is None and logged(db, "account.totp_enrolled") == []
    enrol(secret, code)
    now_step = int(dt.datetime.now(dt.UTC).timestamp()) // 30
    assert user.totp_secret == secret and user.totp_last_step in (now_step - 1, now_step)
    with pytest.raises(Conflict):
        enrol(administration.new_totp_secret(), code)
    assert user.totp_secret == secret and logged(db, "account.totp_enrolled") == [{}]
    assert "det.nair" in administration.totp_uri(user=user, secret=secret)


def test_a_created_account_is_logged_with_its_roles_and_title(
    db: Session, settings: Settings, agency: Agency, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    created = administration.create_account(
        session=db,
        actor=Actor.of(admin),
        security=settings.security,
        agency=agency,
        username="det.nair",
        full_name="Det. Priya Nair",
        password="a-long-enough-secret-2026",
        roles={Role.OPERATOR, Role.INVESTIGATOR},
        job_title="Detective",
    )
    assert created.status == AccountStatus.ACTIVE
    assert logged(db, "account.created") == [
        {"user": "det.nair", "roles": ["investigator", "operator"], "title": "Detective"}
    ]


def test_the_inactivity_sweep_suspends_only_active_accounts_unused_past_the_limit(
    db: Session, make_user: MakeUser
) -> None:
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    users = {name: make_user(name, Role.OPERATOR) for name in ("ofc.idle", "ofc.busy", "ofc.gone")}
    for user in users.values():
        user.created_at = now - dt.timedelta(days=200)
    users["ofc.busy"].last_login_at = now - dt.timedelta(days=89)
    users["ofc.gone"].status = AccountStatus.DISABLED
    db.flush()
    assert administration.suspend_inactive(session=db, days=90, now=now) == ["ofc.idle"]
    assert [users[name].status for name in ("ofc.idle", "ofc.busy", "ofc.gone")] == [
        AccountStatus.SUSPENDED,
        AccountStatus.ACTIVE,
        AccountStatus.DISABLED,
    ]


def test_an_unknown_user_id_is_not_found_and_the_authenticator_entry_names_plateguard(
    db: Session, make_user: MakeUser
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    assert administration.require_user(session=db, user_id=user.id) is user
    with pytest.raises(NotFound):
        administration.require_user(session=db, user_id=user.id + 1000)
    secret = administration.new_totp_secret()
    uri = administration.totp_uri(user=user, secret=secret)
    assert uri == f"otpauth://totp/plateguard:det.nair?secret={secret}&issuer=plateguard"


def test_the_sweep_measures_from_now_and_a_title_needs_no_description(
    db: Session, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    idle = make_user("ofc.idle", Role.OPERATOR)
    idle.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    admin.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=89)
    db.flush()
    assert administration.suspend_inactive(session=db, days=90) == ["ofc.idle"]
    plain = administration.save_job_title(session=db, actor=admin, title="Dispatcher", roles={Role.OPERATOR})
    assert plain.description == ""


def test_an_account_created_without_a_job_title_is_logged_with_none(
    db: Session, settings: Settings, agency: Agency, make_user: MakeUser
) -> None:
    admin = make_user("lt.alvarez", Role.ADMINISTRATOR)
    administration.create_account(
        session=db,
        actor=Actor.of(admin),
        security=settings.security,
        agency=agency,
        username="ofc.chen",
        full_name="Ofc. James Chen",
        password="a-long-enough-secret-2026",
        roles={Role.OPERATOR},
    )
    assert logged(db, "account.created") == [{"user": "ofc.chen", "roles": ["operator"], "title": ""}]
