"""Crafted access records for audits: each helper writes what a real search or export would write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts import training
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.audits import service as audits
from plateguard.audits.models import Audit
from plateguard.config import Settings
from tests.conftest import complete_training

PACIFIC = dt.timezone(dt.timedelta(hours=-7))  # October in California (PDT)
START, END = dt.date(2026, 10, 5), dt.date(2026, 10, 11)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in October 2026, given in the agency's local time."""
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=PACIFIC).astimezone(dt.UTC)


Log = Callable[..., int]


@pytest.fixture()
def log(db: Session) -> Log:
    def write(
        user: User,
        action: str,
        when: dt.datetime,
        *,
        plate: str | None = "7ABC123",
        case: str | None = "26-100",
        purpose: str | None = "Criminal investigation",
        detail: str = "",
        outcome: str = "ok",
        count: int = 3,
        query: dict[str, Any] | None = None,
    ) -> int:
        asked = query if query is not None else ({"plate": plate} if plate else {"since": "2026-10-01"})
        why = Justification(purpose, detail, case) if purpose is not None else None
        record = access_log.append(
            session=db,
            actor=Actor.of(user),
            action=action,
            query=asked,
            result_count=count,
            justification=why,
            outcome=outcome,
            now=when,
        )
        return record.sequence

    return write


NOW = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


def recorded_training(db: Session, user: User, *, on: dt.date) -> User:
    """Every course completed on ``on``, with the access records that recording it writes in plateguard."""
    complete_training(db, user, on=on)
    for record in training.latest_records(session=db, user=user).values():
        training.log_recorded(session=db, record=record, user=user, recorded_by=user)
    return user


@pytest.fixture()
def people(db: Session, make_user) -> dict[str, User]:  # type: ignore[no-untyped-def]
    found = {
        "nair": make_user("det.nair", Role.INVESTIGATOR, full_name="Det. Priya Nair"),
        "cole": make_user("ofc.cole", Role.OPERATOR, full_name="Ofc. Sam Cole"),
        "ruiz": make_user("aud.ruiz", Role.AUDITOR, full_name="Dana Ruiz"),
    }
    for user in found.values():
        recorded_training(db, user, on=dt.date(2026, 1, 5))
    for user in found.values():
        user.last_login_at = dt.datetime(2026, 10, 30, tzinfo=dt.UTC)
    db.flush()
    return found


def run(db: Session, settings: Settings, auditor: User, **overrides: object) -> Audit:
    """An audit of START..END with the audit settings overridden as given."""
    chosen = settings.model_copy(update={"audit": settings.audit.model_copy(update=overrides)})
    return audits.open_audit(
        session=db, actor=Actor.of(auditor), settings=chosen, start=START, end=END, seed=7, now=NOW
    )


def flagged(audit: Audit, rule: str) -> list[str]:
    return [item.subject for item in audit.items if item.rule == rule]


def sequences(audit: Audit, rule: str) -> list[int | None]:
    return [item.access_sequence for item in audit.items if item.rule == rule]
