"""Times typed into a form: read in the agency's time zone, stored and compared in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from plateguard.errors import InvalidInput


def local_input(value: str, zone: str, field: str, *, label: str = "") -> dt.datetime | None:
    """A ``datetime-local`` value (``2026-11-29T08:30``) in the agency's zone, as UTC; blank is None.
    A refusal names the field as its form labels it (``label``), else by its name."""
    if not value.strip():
        return None
    try:
        typed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        message = f"{label or field} must be a date and time such as 2026-11-29T08:30"
        raise InvalidInput(message, field=field) from None
    if typed.tzinfo is None:
        typed = typed.replace(tzinfo=ZoneInfo(zone))
    return typed.astimezone(dt.UTC)
