"""Notice duties of a security incident (Civil Code 1798.29 / 1798.82), with their deadlines."""

from __future__ import annotations

import datetime as dt

from plateguard.audits.incidents import duties
from plateguard.audits.models import SecurityIncident
from plateguard.config import IncidentSettings

FOUND = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


def incident(
    residents: int, *, encrypted: bool = False, notified: dt.datetime | None = None
) -> SecurityIncident:
    return SecurityIncident(
        discovered_at=FOUND,
        residents_affected=residents,
        encrypted_with_key_safe=encrypted,
        residents_notified_at=notified,
    )


def test_residents_are_due_notice_within_the_configured_days() -> None:
    [notice] = duties(incident(12), IncidentSettings())
    assert notice.due == FOUND + dt.timedelta(days=30) and notice.done_at is None
    assert not notice.overdue(FOUND + dt.timedelta(days=30))
    assert notice.overdue(FOUND + dt.timedelta(days=30, seconds=1))
    [sooner] = duties(incident(12), IncidentSettings(residents_notice_days=10))
    assert sooner.due == FOUND + dt.timedelta(days=10)


def test_the_attorney_general_is_due_a_sample_only_above_the_threshold() -> None:
    assert len(duties(incident(500), IncidentSettings())) == 1
    notified = FOUND + dt.timedelta(days=20)
    residents, general = duties(incident(501, notified=notified), IncidentSettings())
    assert residents.done_at == notified and not residents.overdue(FOUND + dt.timedelta(days=90))
    assert general.due == notified + dt.timedelta(days=15) and "Attorney General" in general.name
    [_, waiting] = duties(incident(501), IncidentSettings())
    assert waiting.due is None and not waiting.overdue(FOUND + dt.timedelta(days=365))


def test_encrypted_data_whose_key_was_not_taken_needs_no_notice() -> None:
    assert duties(incident(5000, encrypted=True), IncidentSettings()) == []
