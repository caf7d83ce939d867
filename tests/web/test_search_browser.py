"""An investigator's canvass in a real browser: partial plate near a scene, map, one read opened."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.cameras.models import Camera
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.reads.models import PlateRead
from tests.web.conftest import SCREENSHOTS, LiveServer, browser_sign_in

pytestmark = pytest.mark.browser
MAIN_ST = "Main St & Yosemite Ave (NB)"


def justify_and_search(page: Page, case: str):  # type: ignore[no-untyped-def]
    """Give the purpose and case number the search form requires, submit, and return the result rows."""
    page.get_by_label("Purpose").select_option("Criminal investigation")
    page.get_by_label("Case or incident number").fill(case)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("heading", name="found").wait_for()
    rows = page.locator("#results tbody tr")
    assert rows.count() >= 1
    return rows


def reads_on_map(page) -> int:  # type: ignore[no-untyped-def]
    """Reads shown on the map: single markers plus the counts of clusters of nearby reads."""
    clusters = page.locator(".marker-cluster")
    return int(page.locator(".read-icon").count()) + sum(
        int(clusters.nth(i).inner_text()) for i in range(clusters.count())
    )


def a_plate_read_at_main_st(server: LiveServer) -> str:
    engine = make_engine(server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session, system_scope(session, "test set-up"):
        plate = session.scalar(
            select(PlateRead.plate_normalized)
            .join(Camera)
            .where(Camera.name == MAIN_ST)
            .order_by(PlateRead.captured_at.desc())  # the demo also holds a year-old read under a hold
            .limit(1)
        )
    engine.dispose()
    assert plate
    return plate


def test_investigator_runs_a_partial_plate_canvass_and_opens_a_read(
    page: Page, live_server: LiveServer
) -> None:
    plate = a_plate_read_at_main_st(live_server)
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("link", name="Search reads").click()
    page.get_by_role("heading", name="Search reads").wait_for()
    page.get_by_label("Plate or partial plate").fill(plate[:3] + "*")
    page.get_by_label("Match").select_option("partial")
    page.get_by_role("button", name="Set canvass center").click()
    page.locator("#map").click()  # the centre is picked on the map, then typed exactly
    assert page.get_by_label("Canvass center latitude").input_value() != ""
    page.get_by_label("Canvass center latitude").fill("37.7975")
    page.get_by_label("Canvass center longitude").fill("-121.2160")
    page.get_by_label("Radius (meters)").fill("1000")
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("From").fill(since)
    rows = justify_and_search(page, "26-004711")
    assert all(text.startswith(plate[:3]) for text in rows.locator("td:nth-child(2)").all_inner_texts())
    assert set(rows.locator("td:nth-child(4)").all_inner_texts()) == {MAIN_ST}
    assert reads_on_map(page) == rows.count()
    assert page.locator("path.canvass-area").count() == 1

    rows.first.get_by_role("link", name="Open read").click()
    page.get_by_role("heading", name=f"Read {plate[:3]}").wait_for()
    assert page.get_by_text(MAIN_ST).first.is_visible()

    engine = make_engine(live_server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        actions = list(
            session.scalars(select(AccessRecord.action).where(AccessRecord.case_number == "26-004711"))
        )
    engine.dispose()
    assert "reads.search" in actions and "reads.view" in actions


def test_investigator_canvasses_around_an_address_within_a_camera_group(
    page: Page, live_server: LiveServer
) -> None:
    browser_sign_in(page, live_server, "detective")
    page.goto(f"{live_server.url}/reads/search")
    page.get_by_label("Canvass around an address").fill("100 N Main St")
    page.get_by_label("Radius (meters)").fill("500")
    page.get_by_label("Camera group").select_option("Downtown")
    rows = justify_and_search(page, "26-004712")
    assert set(rows.locator("td:nth-child(4)").all_inner_texts()) == {MAIN_ST}
    assert page.locator("path.canvass-area").count() == 1  # the circle around the address point
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "address_canvass_results.png"), full_page=True)
    page.get_by_label("Canvass around an address").fill("100 Main")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("did you mean: 100 N Main St").wait_for()
