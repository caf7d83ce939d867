"""The figures' order, exact period edges, sums and chart labels (the parts of each figure that the counts
in test_statistics.py leave open)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from plateguard.accounts.models import Agency
from plateguard.accounts.roles import Role
from plateguard.alerts.models import AlertOutcome, AlertStatus
from plateguard.audits import statistics
from plateguard.audits.statistics import Series
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraKind
from tests.audits.conftest import Log
from tests.audits.test_statistics import OCTOBER_WEEK, alert, local
from tests.conftest import TEST_ACTOR, MakeUser


@pytest.fixture()
def camera(db: Session, agency: Agency) -> Camera:
    return camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name="Main St", kind=CameraKind.FIXED
    )


def test_searches_by_purpose_are_ordered_by_count_then_by_name(
    make_user: MakeUser, log: Log, db: Session
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    for purpose, times in (("Wanted person", 1), ("Stolen vehicle", 3), ("Criminal investigation", 1)):
        for _ in range(times):
            log(user, "reads.search", local(10, 6, 12), purpose=purpose)
    series = statistics.searches_by_purpose(db, OCTOBER_WEEK)
    assert series.rows() == [
        ("Stolen vehicle", [3.0]),
        ("Criminal investigation", [1.0]),
        ("Wanted person", [1.0]),
    ]


def test_users_with_as_many_searches_are_listed_by_name_whoever_searched_first(
    make_user: MakeUser, log: Log, db: Session
) -> None:
    for name in ("ofc.zane", "ofc.adams", "ofc.moore"):
        log(make_user(name, Role.INVESTIGATOR), "reads.search", local(10, 6, 12))
    assert statistics.searches_by_user(db, OCTOBER_WEEK).labels == ["ofc.adams", "ofc.moore", "ofc.zane"]


def test_several_searches_of_one_purpose_in_one_week_add_up(
    make_user: MakeUser, log: Log, db: Session
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    for day in (5, 7, 11):
        log(user, "reads.search", local(10, day, 12))
    series = statistics.searches_per_week_by_purpose(db, OCTOBER_WEEK)
    assert series.rows() == [("week of 2026-10-05", [3.0])]


def test_refusals_at_the_first_moment_of_a_period_count_and_at_its_end_do_not(
    make_user: MakeUser, log: Log, db: Session
) -> None:
    user = make_user("det.nair", Role.INVESTIGATOR)
    banned = {"prohibited_purpose": "Immigration enforcement"}
    log(user, "reads.search", OCTOBER_WEEK.since, outcome="refused", query=banned)
    log(user, "reads.search", OCTOBER_WEEK.until, outcome="refused", query=banned)
    assert statistics.prohibited_refusals(db, OCTOBER_WEEK) == 1


def test_hits_at_the_first_moment_of_a_period_count_and_outcomes_of_different_states_add_up(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    misread = AlertOutcome.MISREAD
    alert(db, camera, OCTOBER_WEEK.since, tmp_path, status=AlertStatus.CLOSED, outcome=misread)
    alert(
        db,
        camera,
        local(10, 6, 12),
        tmp_path,
        status=AlertStatus.NOT_CONFIRMED,
        outcome=misread,
        visual=False,
    )
    alert(db, camera, OCTOBER_WEEK.until, tmp_path, status=AlertStatus.CLOSED, outcome=misread)
    series = statistics.alerts_by_outcome(db, OCTOBER_WEEK)
    assert series.rows() == [("misread", [2.0])]
    assert statistics.misread_counts(db, OCTOBER_WEEK) == (2, 0, 2)
    assert statistics.misreads_per_camera(db, OCTOBER_WEEK).rows() == [("Main St", [100.0])]


def test_a_chart_is_empty_without_labels_or_without_a_count_above_zero() -> None:
    assert Series("t", []).empty
    assert Series("t", ["a"]).empty
    assert Series("t", ["a", "b"], {"x": [0.0, 0.0], "y": [0.0, 0.0]}).empty
    assert not Series("t", ["a", "b"], {"x": [0.0, 0.0], "y": [0.0, 2.0]}).empty


def test_each_chart_names_its_unit_and_whether_its_series_add_up(db: Session) -> None:
    charts = {
        "searches by purpose": statistics.searches_by_purpose(db, OCTOBER_WEEK),
        "searches by user": statistics.searches_by_user(db, OCTOBER_WEEK),
        "searches per week": statistics.searches_per_week_by_purpose(db, OCTOBER_WEEK),
        "hits": statistics.alerts_by_outcome(db, OCTOBER_WEEK),
        "misread rate": statistics.misreads_per_camera(db, OCTOBER_WEEK),
        "reads": statistics.reads_per_camera_and_day(db, OCTOBER_WEEK),
        "releases": statistics.sharing_by_recipient(db, OCTOBER_WEEK, name_private=False),
    }
    assert {name: (chart.unit, chart.stacked) for name, chart in charts.items()} == {
        "searches by purpose": ("searches", True),
        "searches by user": ("searches", True),
        "searches per week": ("searches", True),  # purposes stack up to the week's searches
        "hits": ("alerts", True),
        "misread rate": ("%", True),
        "reads": ("reads", True),  # cameras stack up to the day's reads
        "releases": ("requests", False),  # received, approved and refused overlap: side by side
    }
    assert charts["releases"].title == "Release requests by requesting agency"
    assert charts["reads"].labels == [f"2026-10-{day:02d}" for day in range(5, 12)]  # every day, even empty


def test_a_checked_hit_at_the_first_moment_of_a_period_counts_in_its_cameras_misread_rate(
    db: Session, camera: Camera, tmp_path: Path
) -> None:
    alert(db, camera, OCTOBER_WEEK.since, tmp_path, status=AlertStatus.CONFIRMED, visual=True)
    alert(db, camera, local(10, 6, 12), tmp_path, status=AlertStatus.CLOSED, outcome=AlertOutcome.MISREAD)
    alert(db, camera, OCTOBER_WEEK.until, tmp_path, status=AlertStatus.CONFIRMED, visual=True)
    assert statistics.misreads_per_camera(db, OCTOBER_WEEK).rows() == [("Main St", [50.0])]
