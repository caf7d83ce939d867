"""Crafted access records for audits: each helper writes what a real search or export would write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.models import User

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
