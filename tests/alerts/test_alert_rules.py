"""The alert rules that need no database: the verification steps of 460.3(f), the reader's alternative
readings, what an alert keeps of its entry and what every notice of it says.

Alerts, reads and entries are built in memory (never stored); these run with ``--noconftest`` in the
mutation bench.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError

from plateguard.alerts.models import Alert, AlertOutcome, AlertStatus, CletsResult, MatchKind
from plateguard.alerts.service import (
    AlertFilter,
    VerificationRefused,
    alert_summary,
    alternatives,
    check_outcome,
    entry_snapshot,
    justification,
    push_payload,
    status_after,
)
from plateguard.cameras.models import Camera
from plateguard.config import ALERT_PURPOSE, AccessSettings
from plateguard.hotlists.models import Hotlist, HotlistEntry
from plateguard.reads.models import PlateRead
from plateguard.reads.stored import CandidateRow

YES, NO = True, False
CONFIRMED, NOT_ON_FILE = CletsResult.CONFIRMED, CletsResult.NOT_ON_FILE
DIFFERENT = CletsResult.DIFFERENT_VEHICLE


@pytest.mark.parametrize(
    "visual, clets, status",
    [
        (None, None, AlertStatus.UNVERIFIED),
        (YES, None, AlertStatus.UNVERIFIED),
        (None, CONFIRMED, AlertStatus.UNVERIFIED),
        (YES, CONFIRMED, AlertStatus.CONFIRMED),
        (NO, None, AlertStatus.NOT_CONFIRMED),
        (NO, CONFIRMED, AlertStatus.NOT_CONFIRMED),
        (None, NOT_ON_FILE, AlertStatus.NOT_CONFIRMED),
        (YES, NOT_ON_FILE, AlertStatus.NOT_CONFIRMED),
        (None, DIFFERENT, AlertStatus.NOT_CONFIRMED),
        (YES, DIFFERENT, AlertStatus.NOT_CONFIRMED),
    ],
)
def test_the_status_after_each_combination_of_checks(
    visual: bool | None, clets: CletsResult | None, status: AlertStatus
) -> None:
    assert status_after(visual, clets) is status


@pytest.mark.parametrize(
    "visual, clets",
    [(None, None), (YES, None), (None, CONFIRMED), (NO, CONFIRMED), (YES, NOT_ON_FILE), (YES, DIFFERENT)],
)
def test_enforcement_needs_a_visual_yes_and_a_clets_confirmation(
    visual: bool | None, clets: CletsResult | None
) -> None:
    with pytest.raises(VerificationRefused, match=r"460\.3\(f\)") as refused:
        check_outcome(visual, clets, AlertOutcome.ENFORCEMENT_TAKEN)
    assert refused.value.field == "outcome" and refused.value.code == "verification_required"
    check_outcome(YES, CONFIRMED, AlertOutcome.ENFORCEMENT_TAKEN)


def test_other_outcomes_need_no_confirmation() -> None:
    for outcome in (AlertOutcome.MISREAD, AlertOutcome.NO_LONGER_WANTED, AlertOutcome.UNABLE_TO_LOCATE, None):
        check_outcome(None, None, outcome)
        check_outcome(NO, DIFFERENT, outcome)


def test_stored_names_of_statuses_results_and_outcomes() -> None:
    assert [s.value for s in AlertStatus] == ["unverified", "confirmed", "not_confirmed", "closed"]
    assert [c.value for c in CletsResult] == ["confirmed", "not_on_file", "different_vehicle"]


def test_the_readers_best_few_distinct_other_readings() -> None:
    candidates: list[CandidateRow] = [
        {"plate": "7abc123", "confidence": 0.9},  # the plate itself
        {"plate": "7ABC128", "confidence": 0.3},  # exactly at the floor: kept
        {"plate": "7ABC129", "confidence": 0.29},  # under it
        {"plate": "z abc-123", "confidence": 0.8},
        {"plate": "ZABC123", "confidence": 0.5},  # the same reading written differently
        {"plate": "", "confidence": 0.9},
        {"plate": "TABC123", "confidence": 0.4},
        {"plate": "1ABC123", "confidence": 0.35},
        {"plate": "LABC123", "confidence": 0.33},
    ]
    assert alternatives("7ABC123", candidates) == ["7ABC128", "ZABC123", "TABC123", "1ABC123"]
    assert alternatives("7ABC123", None) == [] and alternatives("7ABC123", []) == []
    unknown: list[dict[str, object]] = [{"plate": "7ABC128"}]  # stored before confidence was kept
    assert alternatives("7ABC123", unknown) == []  # type: ignore[arg-type]


def test_alert_pages_are_recorded_under_their_purpose_which_the_settings_cannot_drop() -> None:
    assert justification().purpose == ALERT_PURPOSE == "Alert verification"
    listed = AccessSettings(purposes=("Criminal investigation", "Alert verification"), purpose_rules={})
    assert listed.purposes == ("Criminal investigation", "Alert verification")
    with pytest.raises(ValidationError, match="must include 'Alert verification'"):
        AccessSettings(purposes=("Criminal investigation",), purpose_rules={})  # alerts with no purpose


def test_the_alert_list_filter_is_recorded_as_chosen() -> None:
    assert AlertFilter().as_query() == {"status": "any"}
    since = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    until = dt.datetime(2026, 5, 2, 8, 0, tzinfo=dt.UTC)
    chosen = AlertFilter(status="confirmed", hotlist_id=3, camera_id=7, since=since, until=until)
    assert chosen.as_query() == {
        "status": "confirmed",
        "hotlist_id": 3,
        "camera_id": 7,
        "since": "2026-05-01T08:00:00+00:00",
        "until": "2026-05-02T08:00:00+00:00",
    }


def entry(expires: dt.datetime | None) -> HotlistEntry:
    return HotlistEntry(
        hotlist=Hotlist(name="Stolen vehicles"),
        plate="7ABC123",
        state="CA",
        category="stolen_vehicle",
        reason="Stolen 2026-04-30",
        vehicle_description="Silver Honda Civic",
        case_number="26-004411",
        record_id="V123456789",
        expires_at=expires,
        is_wildcard=False,
    )


def test_an_alert_keeps_everything_it_matched_of_the_entry() -> None:
    expires = dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)
    assert entry_snapshot(entry(expires)) == {
        "hotlist": "Stolen vehicles",
        "plate": "7ABC123",
        "state": "CA",
        "category": "stolen_vehicle",
        "reason": "Stolen 2026-04-30",
        "vehicle_description": "Silver Honda Civic",
        "case_number": "26-004411",
        "record_id": "V123456789",
        "expires_at": "2026-07-01T00:00:00+00:00",
        "is_wildcard": False,
    }
    assert entry_snapshot(entry(None))["expires_at"] is None


def test_every_notice_of_an_alert_says_the_same_and_the_push_adds_its_link() -> None:
    alert_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    read = PlateRead(
        plate_text="7ABC123",
        camera=Camera(name="Main St NB"),
        captured_at=dt.datetime(2026, 5, 1, 8, 30, tzinfo=dt.UTC),
    )
    alert = Alert(
        id=alert_id,
        read=read,
        entry={"hotlist": "Stolen vehicles", "category": "stolen_vehicle", "plate": "7ABC12?"},
        match_kind=MatchKind.WILDCARD,
        state_mismatch=True,
        created_at=dt.datetime(2026, 5, 1, 8, 30, 2, tzinfo=dt.UTC),
    )
    summary = {
        "id": "12345678-1234-5678-1234-567812345678",
        "plate": "7ABC123",
        "camera": "Main St NB",
        "captured_at": "2026-05-01T08:30:00+00:00",
        "hotlist": "Stolen vehicles",
        "category": "stolen_vehicle",
        "entry_plate": "7ABC12?",
        "match_kind": "wildcard",
        "state_mismatch": True,
    }
    assert alert_summary(alert) == summary
    assert push_payload(alert) == {
        **summary,
        "url": "/alerts/12345678-1234-5678-1234-567812345678",
        "created_at": "2026-05-01T08:30:02+00:00",
    }
