"""Entries made and ended by hand, as the hotlist pages take them: the whole workflow in one place
(the request's form, its purpose, the entry, and its run against stored reads)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from plateguard.access_log.service import Justification
from plateguard.accounts.models import User
from plateguard.alerts.models import Alert
from plateguard.errors import InvalidInput
from plateguard.hotlists import retro
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistEntry
from plateguard.hotlists.parsed import ParsedEntry, wildcard_normalize
from plateguard.hotlists.states import from_region_or_usps


@dataclass(frozen=True)
class HandEntry:
    """An entry as the form gives it; ``plate`` may hold ``?`` and ``*`` (a partial plate)."""

    plate: str
    category: HotlistCategory
    purpose: str
    state: str = ""
    reason: str = ""
    vehicle_description: str = ""
    case_number: str = ""
    expires_on: dt.date | None = None


def enter(
    *,
    session: Session,
    user: User,
    hotlist: Hotlist,
    form: HandEntry,
    purposes: tuple[str, ...],
    max_days: int,
    zone: str = "UTC",
    retroactive_days: int = retro.DEFAULT_DAYS,
) -> tuple[HotlistEntry, list[Alert]]:
    """Add the entry (``hotlist_service.add_entry`` records it, or its refusal) and run it against the
    stored reads of the last ``retroactive_days``, for the same purpose; returns the entry and its
    retroactive hits. The expiry date runs to the end of that day in the agency's time zone ``zone``."""
    why = Justification(form.purpose, form.reason, form.case_number or None).checked(
        allowed=purposes, needs_case_number=False
    )
    try:
        state_code = from_region_or_usps(form.state)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="state") from None
    is_wildcard = any(char in form.plate for char in "?*")
    parsed = ParsedEntry(
        plate=wildcard_normalize(form.plate) if is_wildcard else form.plate,
        state=state_code,
        category=form.category,
        reason=form.reason.strip(),
        vehicle_description=form.vehicle_description.strip(),
        case_number=why.case_number,
        expires_at=hotlist_service.expiry_from_date(form.expires_on, zone),
        is_wildcard=is_wildcard,
    )
    try:
        entry = hotlist_service.add_entry(
            session=session, user=user, hotlist=hotlist, entry=parsed, purpose=form.purpose, max_days=max_days
        )
    except InvalidInput as exc:  # the form's field is the date, the service's the expiry time
        field = "expires_on" if exc.field == "expires_at" else exc.field
        raise InvalidInput(exc.message, field=field) from exc
    hits = retro.run_against_reads(session=session, user=user, entry=entry, why=why, days=retroactive_days)
    return entry, hits


def end(
    *,
    session: Session,
    user: User,
    hotlist: Hotlist,
    entry_id: int,
    purpose: str,
    reason: str,
    purposes: tuple[str, ...],
) -> HotlistEntry:
    """Take an entry off its list by hand, with the purpose when one is given."""
    why = Justification(purpose, reason)
    if purpose:
        why = why.checked(allowed=purposes, needs_case_number=False)
    return hotlist_service.end_entry(session=session, user=user, hotlist=hotlist, entry_id=entry_id, why=why)
