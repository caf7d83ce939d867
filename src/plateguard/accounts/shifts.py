"""Each user's shift: the hours of the day (agency time) and the weekdays they work.

A shift may run past midnight (22:00-06:00): it then belongs to the weekday it starts on, so a search at
02:00 on Saturday is inside a Friday night shift. The audit flags searches made outside the shift.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.errors import InvalidInput

WEEKDAY_NAMES = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
EVERY_DAY = frozenset(WEEKDAY_NAMES)


@dataclass(frozen=True)
class Shift:
    start: dt.time
    end: dt.time
    weekdays: frozenset[int] = EVERY_DAY  # ISO weekday numbers, Monday = 1

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def covers(self, local: dt.datetime) -> bool:
        """Whether a moment, given in the agency's time, falls inside this shift."""
        moment, day = local.time().replace(tzinfo=None), local.isoweekday()
        if not self.overnight:
            return day in self.weekdays and self.start <= moment < self.end
        if moment >= self.start:
            return day in self.weekdays
        day_before = 7 if day == 1 else day - 1
        return moment < self.end and day_before in self.weekdays

    def describe(self) -> str:
        days = "every day" if self.weekdays == EVERY_DAY else weekday_text(self.weekdays)
        return f"{self.start:%H:%M}-{self.end:%H:%M} {days}"


def weekday_text(weekdays: frozenset[int]) -> str:
    return ", ".join(WEEKDAY_NAMES[day] for day in sorted(weekdays))


def shift_of(user: User) -> Shift | None:
    if user.shift_start is None or user.shift_end is None:
        return None
    days = frozenset(int(day) for day in user.shift_weekdays) or EVERY_DAY
    return Shift(user.shift_start, user.shift_end, days)


def set_shift(*, session: Session, actor: User, user: User, shift: Shift | None) -> None:
    """Set or clear a user's shift; the change (before and after) is written to the access log."""
    if shift is not None and shift.start == shift.end:
        raise InvalidInput("the shift must end at a different time than it starts", field="shift_end")
    if shift is not None and not shift.weekdays <= EVERY_DAY:
        raise InvalidInput("weekdays are numbered 1 (Monday) to 7 (Sunday)", field="weekdays")
    before = shift_of(user)
    if shift is None:
        user.shift_start = user.shift_end = None
        user.shift_weekdays = ""
    else:
        user.shift_start, user.shift_end = shift.start, shift.end
        days = "" if shift.weekdays == EVERY_DAY else "".join(str(day) for day in sorted(shift.weekdays))
        user.shift_weekdays = days
    access_log.append(
        session=session,
        actor=Actor.of(actor),
        action="account.shift",
        query={
            "user": user.username,
            "from": before.describe() if before else None,
            "to": shift.describe() if shift else None,
        },
    )
    session.flush()
