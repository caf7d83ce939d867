"""Form input for account administration and training, validated before any service runs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from plateguard.accounts.models import AccountStatus
from plateguard.accounts.roles import Role


class Form(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


# A password is kept exactly as typed: stripping spaces would make the typed password fail at sign-in.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=256)]


class UserCreate(Form):
    username: str = Field(min_length=2, max_length=64)
    full_name: str = Field(min_length=2, max_length=200)
    job_title: str = Field("", max_length=100)
    password: Password
    roles: list[Role] = Field(default_factory=list)


class StatusChange(Form):
    status: AccountStatus
    reason: str = Field(min_length=3, max_length=300)


class RolesChange(Form):
    roles: list[Role] = Field(min_length=1)


class JobTitleSave(Form):
    title: str = Field(min_length=2, max_length=100)
    roles: list[Role] = Field(min_length=1)
    description: str = Field("", max_length=300)


class TwoFactorPolicy(Form):
    role: Role
    required: bool = False


class TrainingCompletion(Form):
    user_id: int
    course_id: int
    completed_on: dt.date
    notes: str = Field("", max_length=500)


class CourseCreate(Form):
    name: str = Field(min_length=3, max_length=120)
    validity_months: int = Field(24, ge=1, le=120)
    required: bool = True
    description: str = Field("", max_length=1000)


class PasswordChange(Form):
    current_password: Password
    new_password: Password


class PasswordReset(Form):
    new_password: Password
    reason: str = Field(min_length=3, max_length=300)


class Unlock(Form):
    reason: str = Field(min_length=3, max_length=300)


class ShiftChange(Form):
    """Both times empty: the user has no shift (the agency's usual hours apply)."""

    shift_start: dt.time | None = None
    shift_end: dt.time | None = None
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=list)

    @field_validator("shift_start", "shift_end", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value
