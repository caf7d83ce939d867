"""Raising alerts from new reads and the verification workflow of policy 460.3(f)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from plateguard.access_log.guard import system_scope
from plateguard.accounts.roles import Role
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import AlertOutcome, AlertStatus, CletsResult
from plateguard.alerts.statistics import misread_statistics
from plateguard.errors import Conflict, Forbidden, InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.reads.stored import StoredRead
from tests.conftest import Trained
from tests.hotlists.conftest import StoreRead, access_actions, last_access_id, make_list, stolen


@pytest.fixture()
def live() -> LiveMatcher:
    return LiveMatcher()


def test_a_hotlisted_read_raises_an_alert_in_the_same_transaction(
    db: Session, store_read: StoreRead, live: LiveMatcher
) -> None:
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    assert (
        alert_service.process_new_reads(
            session=db, reads=[StoredRead.of(store_read("8ZZZ999"))], matcher=live
        )
        == []
    )
    alerts = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("7A8C123"))], matcher=live
    )
    assert [(a.match_kind, a.status, a.entry["plate"], a.entry["hotlist"]) for a in alerts] == [
        ("fuzzy", AlertStatus.UNVERIFIED, "7ABC123", "Department BOLO")
    ]
    assert access_actions(db)[-1] == ("alerts.raise", "system:hotlist matching", "ok")


def test_a_state_mismatch_is_shown_on_the_alert(
    db: Session, store_read: StoreRead, live: LiveMatcher
) -> None:
    make_list(db, "BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123", "NV"))
    (alert,) = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("7ABC123", "us-ca"))], matcher=live
    )
    assert alert.state_mismatch and alert.match_kind == "exact"


def test_a_list_added_after_the_matcher_was_built_is_picked_up(
    db: Session, store_read: StoreRead, live: LiveMatcher
) -> None:
    live.reload(db)
    make_list(db, "Late list", HotlistSource.MANUAL, stolen("5LATE55"))
    live.ensure_fresh(db, force_check=True)
    assert (
        len(
            alert_service.process_new_reads(
                session=db, reads=[StoredRead.of(store_read("5LATE55"))], matcher=live
            )
        )
        == 1
    )


@pytest.fixture()
def alert_id(db: Session, store_read: StoreRead, live: LiveMatcher):  # type: ignore[no-untyped-def]
    make_list(db, "BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    (alert,) = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("7ABC123"))], matcher=live
    )
    return alert.id


def verify(db: Session, user, alert_id, **steps):  # type: ignore[no-untyped-def]
    values = {"visual_match": None, "clets_result": None, "outcome": None}
    values.update(steps)
    return alert_service.verify(session=db, user=user, alert_id=alert_id, why=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("visual", "clets"),
    [
        (None, None),
        (True, None),
        (None, CletsResult.CONFIRMED),
        (False, CletsResult.CONFIRMED),
        (True, CletsResult.NOT_ON_FILE),
        (True, CletsResult.DIFFERENT_VEHICLE),
    ],
)
def test_enforcement_is_refused_without_visual_yes_and_clets_confirmed(  # type: ignore[no-untyped-def]
    db: Session, trained: Trained, alert_id, visual, clets
) -> None:
    officer = trained("officer", Role.OPERATOR)
    with pytest.raises(Forbidden, match=r"460\.3\(f\)"):
        verify(
            db,
            officer,
            alert_id,
            visual_match=visual,
            clets_result=clets,
            outcome=AlertOutcome.ENFORCEMENT_TAKEN,
        )


def test_step_by_step_verification_then_enforcement(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("officer", Role.OPERATOR)
    before = last_access_id(db)
    seen = "No plate image; plate and state read on the vehicle at the traffic stop."
    assert verify(db, officer, alert_id, visual_match=True, notes=seen).status is AlertStatus.UNVERIFIED
    assert verify(db, officer, alert_id, clets_result=CletsResult.CONFIRMED).status is AlertStatus.CONFIRMED
    alert = verify(db, officer, alert_id, outcome=AlertOutcome.ENFORCEMENT_TAKEN)
    assert (alert.status, alert.outcome, alert.verified_by) == (
        AlertStatus.CLOSED,
        "enforcement_taken",
        "officer",
    )
    assert access_actions(db, before) == [("alerts.verify", "officer", "ok")] * 3
    assert alert.notes == seen
    with pytest.raises(Conflict, match="closed"):
        verify(db, officer, alert_id, outcome=AlertOutcome.MISREAD)


def test_a_misread_is_recorded_and_counted_per_camera(db: Session, trained: Trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("officer", Role.OPERATOR)
    alert = verify(db, officer, alert_id, visual_match=False, outcome=AlertOutcome.MISREAD)
    assert alert.status is AlertStatus.CLOSED
    per_camera, overall = misread_statistics(session=db)
    assert [(r.camera, r.alerts, r.checked, r.misreads) for r in per_camera] == [("Main St NB", 1, 1, 1)]
    assert overall.misread_rate == 1.0


def test_alerts_on_a_restricted_list_are_hidden_from_users_without_a_grant(
    db: Session, trained: Trained, store_read: StoreRead, live: LiveMatcher
) -> None:
    granted, other = trained("granted", Role.OPERATOR), trained("other", Role.OPERATOR)
    state = make_list(db, "CA DOJ SVS", HotlistSource.STATE, stolen("TEST201"))
    hotlist_service.grant(session=db, actor=alert_service.Actor.of(granted), hotlist=state, user=granted)  # type: ignore[attr-defined]
    (alert,) = alert_service.process_new_reads(
        session=db, reads=[StoredRead.of(store_read("TEST201"))], matcher=live
    )
    assert [a.id for a in alert_service.list_alerts(session=db, user=granted, why=None)] == [alert.id]
    assert alert_service.list_alerts(session=db, user=other, why=None) == []
    with pytest.raises(Forbidden):
        alert_service.get_alert(session=db, user=other, alert_id=alert.id, why=None)
    with system_scope(db, "test"):
        assert (
            alert_service.recent_for_push(session=db, user=other, since=alert.created_at.replace(year=2000))
            == []
        )


def test_a_visual_match_without_a_plate_image_needs_a_note(db: Session, trained, alert_id) -> None:  # type: ignore[no-untyped-def]
    officer = trained("officer", Role.OPERATOR)
    for blank in ("", "   \n "):
        with pytest.raises(InvalidInput, match="no plate image") as refused:
            verify(db, officer, alert_id, visual_match=True, notes=blank)
        assert refused.value.field == "notes"
    assert verify(db, officer, alert_id, visual_match=False).status is AlertStatus.NOT_CONFIRMED
    noted = verify(db, officer, alert_id, visual_match=True, notes="Saw the rear plate myself.")
    assert noted.visual_match is True and "Saw the rear plate myself." in noted.notes


def test_a_visual_match_with_a_plate_image_needs_no_note(  # type: ignore[no-untyped-def]
    db: Session, trained, store_read: StoreRead, live: LiveMatcher
) -> None:
    from plateguard.demo_scenes import render_plate

    make_list(db, "BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    read = store_read("7ABC123", image=render_plate("7ABC123"))
    (alert,) = alert_service.process_new_reads(session=db, reads=[StoredRead.of(read)], matcher=live)
    officer = trained("officer", Role.OPERATOR)
    assert verify(db, officer, alert.id, visual_match=True).visual_match is True
