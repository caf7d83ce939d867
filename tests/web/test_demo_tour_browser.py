"""The tour `plateguard demo` prints, followed step by step in a browser exactly as it reads."""

from __future__ import annotations

import pytest

from plateguard.demo_tour import BOLO_LIST, CANVASS_ADDRESS, TOUR_CASE, TOUR_PURPOSE, tour, tour_facts
from tests.web.conftest import SCREENSHOTS, LiveServer, browser_sign_in

pytestmark = pytest.mark.browser


def sign_in_as(page, server: LiveServer, who: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    browser_sign_in(page, server, who)
    page.get_by_role("heading", name="Dashboard").wait_for()


def search_with(page, *, plate: str = "", match: str = "", address: str = "", radius: str = "") -> int:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Search reads").click()
    page.get_by_role("heading", name="Search reads").wait_for()
    page.get_by_label("Plate or partial plate").fill(plate)
    if match:
        page.get_by_label("Match").select_option(label=match)
    page.get_by_label("Canvass around an address").fill(address)
    page.get_by_label("Radius").fill(radius)
    page.get_by_label("Purpose").select_option(TOUR_PURPOSE)
    page.get_by_label("Case or incident number").fill(TOUR_CASE)
    page.get_by_role("button", name="Search", exact=True).click()
    heading = page.get_by_role("heading", name="found")
    heading.wait_for()
    return int(heading.inner_text().split()[0])


def test_each_tour_step_works_as_printed(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    facts = tour_facts(live_server.settings)
    steps = {step.title: step for step in tour(facts)}
    assert list(steps) == ["Alert", "Verification", "Search", "Canvass", "Access log"]

    # 1. Alert: the officer opens the alert of the plate the tour names, on the BOLO list.
    assert steps["Alert"].who == "officer" and facts.plate in steps["Alert"].text
    sign_in_as(page, live_server, "officer")
    page.get_by_role("link", name="Alerts").click()
    row = page.locator("#alert-table tbody tr", has_text=BOLO_LIST).filter(has_text=facts.plate).first
    row.get_by_role("link", name=facts.plate).click()
    page.get_by_role("heading", name=f"Alert: {facts.plate} on {BOLO_LIST}").wait_for()
    for name in (f"Plate image of the read {facts.plate}", "Overview image of the vehicle"):
        image = page.get_by_role("img", name=name)
        image.wait_for()  # shown once loaded
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert facts.vehicle in page.locator(".alert-entry").inner_text()
    assert facts.reason in page.locator(".alert-entry").inner_text()
    alert_url = page.url
    page.screenshot(path=str(SCREENSHOTS / "tour-alert.png"))

    # 2. Verification: enforcement first is refused; yes + CLETS confirmed + enforcement closes it.
    page.get_by_label("Outcome").select_option(label="enforcement taken")
    page.get_by_role("button", name="Record verification").click()
    page.get_by_text("enforcement cannot be recorded", exact=False).first.wait_for()
    page.goto(alert_url)
    page.get_by_label("Yes").check()
    page.get_by_label("CLETS result").select_option(label="confirmed")
    page.get_by_label("Outcome").select_option(label="enforcement taken")
    page.get_by_role("button", name="Record verification").click()
    page.wait_for_url(alert_url)
    assert page.locator("#alert-status").inner_text() == "closed"

    # 3. Search: the partial plate finds the plate the tour follows.
    assert steps["Search"].who == "detective" and facts.partial in steps["Search"].text
    sign_in_as(page, live_server, "detective")
    assert search_with(page, plate=facts.partial, match="Partial (wildcards)") >= 1
    assert facts.plate in page.locator("#results").inner_text()

    # 4. Canvass: reads near the address, with cameras, address points and the circle on the map.
    assert CANVASS_ADDRESS in steps["Canvass"].text
    assert search_with(page, address=CANVASS_ADDRESS, radius="1000") >= 1
    page.locator("path.canvass-area").wait_for()
    assert page.locator(".camera-icon").count() >= 1
    page.locator(".address-point").first.wait_for()
    page.locator("#map").screenshot(path=str(SCREENSHOTS / "tour-canvass.png"))

    # 5. Access log: the officer's verification and the detective's searches, with purpose and case.
    sign_in_as(page, live_server, "auditor")
    page.get_by_role("link", name="Access log").click()
    page.get_by_role("heading", name="Access log").wait_for()
    log = page.locator("#access-log")
    verify = log.locator("tr", has_text="alerts.verify").filter(has_text="(officer)").first
    verify.wait_for()
    searches = log.locator("tr", has_text="reads.search").filter(has_text="(detective)")
    assert searches.count() >= 2
    assert TOUR_PURPOSE in searches.first.inner_text() and TOUR_CASE in searches.first.inner_text()
