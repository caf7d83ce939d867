"""Account administration pages (460.2.1(a)) and each user's own two-factor set-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plateguard.access_log.service import Actor
from plateguard.accounts import administration as admin
from plateguard.accounts import service as account_service
from plateguard.accounts import signin
from plateguard.accounts.models import User
from plateguard.accounts.roles import ROLE_LABELS, Role
from plateguard.accounts.schemas import (
    JobTitleSave,
    PasswordChange,
    PasswordReset,
    RolesChange,
    ShiftChange,
    StatusChange,
    TwoFactorPolicy,
    Unlock,
    UserCreate,
)
from plateguard.accounts.shifts import EVERY_DAY, WEEKDAY_NAMES, Shift, shift_of
from plateguard.accounts.shifts import set_shift as save_shift
from plateguard.errors import InvalidInput
from plateguard.web.dependencies import CurrentLogin, DbSession
from plateguard.web.feedback import confirm, sentence
from plateguard.web.forms import RequestForm, form_model
from plateguard.web.templating import render

router = APIRouter()


def _back(path: str, request: Request | None = None, message: str = "") -> Response:
    response = RedirectResponse(path, status_code=303)
    return confirm(request, response, message) if request is not None and message else response


def _role_names(roles: set[Role]) -> str:
    return ", ".join(sorted(role.label for role in roles))


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    context = {
        "users": admin.list_users(session=db),
        "roles": ROLE_LABELS,
        "job_titles": admin.job_titles(session=db),
        "totp_roles": admin.totp_required_roles(session=db),
    }
    return render(request, "admin_users.html", context)


@router.post("/admin/users")
def create_user(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[UserCreate, Depends(form_model(UserCreate))],
) -> Response:
    roles = set(form.roles) | admin.roles_for_title(session=db, title=form.job_title)
    if not roles:
        raise InvalidInput("choose at least one role, or a job title that carries roles", field="roles")
    user = admin.create_account(
        session=db,
        actor=Actor.of(login.user),
        security=request.app.state.settings.security,
        agency=login.user.agency,
        username=form.username,
        full_name=form.full_name,
        job_title=form.job_title,
        password=form.password,
        roles=roles,
    )
    return _back("/admin/users", request, f"Account {user.username} created ({_role_names(roles)}).")


def _user(db: DbSession, user_id: int) -> User:
    return admin.require_user(session=db, user_id=user_id)


UserById = Annotated[User, Depends(_user)]


@router.post("/admin/users/{user_id}/status")
def change_status(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[StatusChange, Depends(form_model(StatusChange))],
    user: UserById,
) -> Response:
    admin.set_status(session=db, actor=login.user, user=user, status=form.status, reason=form.reason)
    return _back("/admin/users", request, f"Account {user.username} is now {form.status}.")


@router.post("/admin/users/{user_id}/roles")
def change_roles(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[RolesChange, Depends(form_model(RolesChange))],
    user: UserById,
) -> Response:
    admin.set_roles(session=db, actor=login.user, user=user, roles=set(form.roles))
    return _back(
        f"/admin/users/{user.id}", request, f"Roles of {user.username}: {_role_names(set(form.roles))}."
    )


@router.post("/admin/job-titles")
def save_job_title(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[JobTitleSave, Depends(form_model(JobTitleSave))],
) -> Response:
    admin.save_job_title(
        session=db, actor=login.user, title=form.title, roles=set(form.roles), description=form.description
    )
    return _back("/admin/users", request, f"Job title {form.title} saved ({_role_names(set(form.roles))}).")


@router.post("/admin/two-factor-policy")
def two_factor_policy(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[TwoFactorPolicy, Depends(form_model(TwoFactorPolicy))],
) -> Response:
    admin.set_totp_required(session=db, actor=login.user, role=Role(form.role), required=form.required)
    rule = "must" if form.required else "no longer must"
    return _back("/admin/users", request, f"{Role(form.role).label} {rule} use two-factor sign-in.")


@router.post("/admin/users/{user_id}/unlock")
def unlock_user(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[Unlock, Depends(form_model(Unlock))],
    user: UserById,
) -> Response:
    """A second Administrator lifts a sign-in lock (every address), written to the access log."""
    signin.unlock(session=db, user=user, actor=Actor.of(login.user), reason=form.reason)
    return _back("/admin/users", request, f"Sign-in lock lifted for {user.username}.")


@router.post("/admin/users/{user_id}/two-factor/reset")
def reset_two_factor(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[Unlock, Depends(form_model(Unlock))],
    user: UserById,
) -> Response:
    """Another Administrator turns off a user's two-factor sign-in (a lost phone), written to the log."""
    admin.reset_totp(session=db, actor=Actor.of(login.user), user=user, reason=form.reason)
    message = f"Two-factor sign-in turned off for {user.username}: they were signed out everywhere."
    return _back(f"/admin/users/{user.id}", request, message)


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, db: DbSession, login: CurrentLogin) -> Response:
    """One account: its roles (changed here) and a password reset."""
    user = admin.require_user(session=db, user_id=user_id)
    context = {
        "account": user,
        "roles": ROLE_LABELS,
        "min_length": request.app.state.settings.security.min_password_length,
        "shift": shift_of(user),
        "weekday_names": WEEKDAY_NAMES,
        "usual_hours": request.app.state.settings.audit.usual_hours,
    }
    return render(request, "admin_user.html", context)


@router.post("/admin/users/{user_id}/shift")
def set_shift(
    request: Request,
    user_id: int,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[ShiftChange, Depends(form_model(ShiftChange))],
) -> Response:
    """Set or clear the user's shift (agency time), written to the access log with before and after."""
    user = admin.require_user(session=db, user_id=user_id)
    if (form.shift_start is None) != (form.shift_end is None):
        missing = "shift_end" if form.shift_end is None else "shift_start"
        raise InvalidInput("give both the start and the end of the shift, or neither", field=missing)
    shift = None
    if form.shift_start is not None and form.shift_end is not None:
        shift = Shift(form.shift_start, form.shift_end, frozenset(form.weekdays) or EVERY_DAY)
    save_shift(session=db, actor=login.user, user=user, shift=shift)
    message = f"Shift of {user.username}: {shift.describe() if shift else 'none (usual hours apply)'}."
    return _back(f"/admin/users/{user_id}", request, message)


@router.post("/admin/users/{user_id}/password")
def reset_password(
    request: Request,
    user_id: int,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[PasswordReset, Depends(form_model(PasswordReset))],
) -> Response:
    user = admin.require_user(session=db, user_id=user_id)
    account_service.reset_password(
        session=db,
        security=request.app.state.settings.security,
        actor=login.user,
        user=user,
        new=form.new_password,
        reason=form.reason,
    )
    message = f"Temporary password set for {user.username}: they must choose their own at the next sign-in."
    return _back(f"/admin/users/{user_id}", request, message)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, login: CurrentLogin) -> Response:
    """The signed-in user's own account: roles, password, two-factor sign-in."""
    context = {
        "account": login.user,
        "must_change": login.user.must_change_password,
        "min_length": request.app.state.settings.security.min_password_length,
    }
    return render(request, "account.html", context)


@router.get("/account/two-factor", response_class=HTMLResponse)
def two_factor_page(request: Request, login: CurrentLogin) -> Response:
    secret = admin.new_totp_secret()
    context = {"secret": secret, "uri": admin.totp_uri(user=login.user, secret=secret), "error": None}
    return render(request, "two_factor.html", context)


@router.post("/account/password")
def change_password(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    form: Annotated[PasswordChange, Depends(form_model(PasswordChange))],
) -> Response:
    account_service.change_password(
        session=db,
        security=request.app.state.settings.security,
        user=login.user,
        current=form.current_password,
        new=form.new_password,
        address=request.client.host if request.client else "unknown",
    )
    return _back("/account", request, "Your password was changed.")


@router.post("/account/two-factor", response_class=HTMLResponse)
def enrol_two_factor(request: Request, db: DbSession, login: CurrentLogin, form: RequestForm) -> Response:
    """Two-factor sign-in turned on, with the password typed again: someone at an unlocked workstation
    cannot tie the account to their own authenticator (a wrong password counts as a failed sign-in)."""
    secret, code = str(form.get("secret", "")), str(form.get("code", ""))
    signin.check_current_password(
        session=db,
        security=request.app.state.settings.security,
        user=login.user,
        password=str(form.get("current_password", "")),
        address=request.client.host if request.client else "unknown",
    )
    try:
        admin.enrol_totp(session=db, user=login.user, secret=secret, code=code)
    except InvalidInput as exc:
        secret = admin.new_totp_secret() if exc.field == "secret" else secret
        context = {
            "secret": secret,
            "uri": admin.totp_uri(user=login.user, secret=secret),
            "error": sentence(exc.message),
        }
        return render(request, "two_factor.html", context, status_code=422)
    return _back("/training/me")
