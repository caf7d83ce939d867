"""Alerts in a real browser at a desk (1366x768), a patrol-car terminal (1024x768) and a phone (390x844):
the banner on every page, notifications, the list (thumbnails, filters, pushed rows) and one alert."""

from __future__ import annotations

import pytest

from plateguard.alerts import stream as alert_stream
from tests.web.conftest import SCREENSHOTS, LiveServer, browser_sign_in, no_sideways_scroll
from tests.web.test_browser_alerts import post_hotlisted_read

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.size_name}.png"))


def within_first_screen(page, locator) -> None:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= page.viewport_size["height"], (
        f"{locator} ends at {box['y'] + box['height']}"
    )


PLATES = {"desk": "9ZZZ011", "car": "9ZZZ012", "phone": "9ZZZ013"}


def test_an_alert_reaches_the_officer_on_any_page(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.wait_for_load_state("load")  # the page's script has run (under load, after the button shows)
    page.get_by_role("button", name="Alert sound: on").click()  # the officer silences it; it stays so
    page.get_by_role("button", name="Alert sound: off").wait_for()
    page.goto(f"{live_server.url}/reads/search")
    page.get_by_role("button", name="Alert sound: off").wait_for()
    page.wait_for_timeout(500)  # the event stream is open
    plate = PLATES[page.size_name]
    post_hotlisted_read(live_server, plate)
    banner = page.locator("#live-alert-banner", has_text=plate)
    banner.wait_for(timeout=3000)
    assert "CA DOJ stolen vehicles (SVS) · Stolen vehicle ·" in banner.inner_text()
    assert page.evaluate("window.shownNotifications") == [
        {
            "title": f"Hotlist alert: {plate}",
            "body": "CA DOJ stolen vehicles (SVS) · Stolen vehicle · Main St & Yosemite Ave (NB)",
        }
    ]
    within_first_screen(page, banner.get_by_role("link", name="Open alert"))
    no_sideways_scroll(page)
    shot(page, "alert-banner-on-search")
    banner.get_by_role("button", name="Dismiss").click()
    assert page.locator("#live-alert-banner").count() == 0


def test_the_untrained_recruit_gets_no_alert_stream(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    browser_sign_in(page, live_server, "recruit")
    page.wait_for_load_state()
    assert page.locator("#alert-sound").count() == 0
    page.goto(f"{live_server.url}/alerts")
    assert "training" in page.locator("main").inner_text().lower()


def test_a_pushed_row_reads_as_the_page_renders_it(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/alerts")
    page.wait_for_timeout(500)
    plate = {"desk": "9ZZZ014", "car": "9ZZZ015", "phone": "9ZZZ016"}[page.size_name]
    post_hotlisted_read(live_server, plate)
    pushed = page.locator("#alert-table tbody tr", has_text=plate)
    pushed.wait_for(timeout=3000)
    pushed_text = pushed.inner_text()
    assert "Stolen vehicle" in pushed_text and " CA" in pushed_text
    assert ("PST" in pushed_text) or ("PDT" in pushed_text)
    page.reload()
    assert page.locator("#alert-table tbody tr", has_text=plate).inner_text() == pushed_text


def test_alert_list_has_thumbnails_filters_and_fits_the_screen(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/alerts")
    thumbs = page.locator("#alert-table img.plate-thumb")
    assert thumbs.count() >= 10
    assert thumbs.first.evaluate("img => img.naturalWidth") > 0
    no_sideways_scroll(page)
    shot(page, "alert-list")
    page.screenshot(path=str(SCREENSHOTS / f"alert-list-full-{page.size_name}.png"), full_page=True)
    page.get_by_label("List").select_option(label="Department BOLO")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/alerts?*")
    page.get_by_role("link", name="Clear filters").wait_for()
    rows = page.locator("#alert-table tbody tr")
    assert rows.count() >= 1
    assert all("Department BOLO" in rows.nth(i).inner_text() for i in range(rows.count()))
    page.get_by_label("Camera").select_option(label="Patrol unit 4A12")
    page.get_by_label("Read from").fill("2001-01-01T00:00")
    page.get_by_label("Read until").fill("2001-01-02T00:00")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("No alerts match these filters.").wait_for()
    no_sideways_scroll(page)


def test_one_alert_shows_reason_and_verification_form_on_the_first_screen(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/alerts?status=unverified")
    page.locator("#alert-table tbody tr", has_text="Department BOLO").first.get_by_role("link").click()
    page.get_by_role("heading", name="Verification").wait_for()
    for image in (page.locator(".alert-images img").nth(i) for i in range(2)):  # plate crop and overview
        image.wait_for()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    no_sideways_scroll(page)
    shot(page, "alert")
    if page.size_name != "phone":
        within_first_screen(page, page.locator(".alert-entry .reason"))
        within_first_screen(page, page.get_by_role("button", name="Record verification"))


NOTE_PLATES = {"desk": "9ZZZ017", "car": "9ZZZ018", "phone": "9ZZZ019"}


def test_visual_yes_on_an_alert_without_an_image_needs_a_note(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    plate = NOTE_PLATES[page.size_name]
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    post_hotlisted_read(live_server, plate)
    page.goto(f"{live_server.url}/alerts")
    page.locator("#alert-table tbody tr", has_text=plate).get_by_role("link").click()
    assert page.get_by_text('a "yes" needs a note').is_visible()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Record verification").click()
    refusal = page.locator("#field-error")
    refusal.wait_for()
    assert "no plate image" in refusal.inner_text()
    assert refusal.is_visible()
    no_sideways_scroll(page)
    shot(page, "alert-note-refused")
    page.go_back()
    page.reload()
    assert page.locator("dd", has_text="not recorded").first.is_visible()
    page.get_by_label("Yes").check()
    page.get_by_label("Notes").fill("Rear plate read at the stop; matches.")
    page.get_by_role("button", name="Record verification").click()
    page.get_by_text("Rear plate read at the stop; matches.").wait_for()


def test_the_screen_says_so_when_live_alerts_stop(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_stream, "HEARTBEAT_SECONDS", 0.5)  # the server runs in this process
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the event stream is open
    other_tab = page.context.new_page()
    other_tab.goto(f"{live_server.url}/")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.close()
    stopped = page.locator("#live-alert-stopped")
    stopped.wait_for(timeout=10_000)
    assert "LIVE ALERTS STOPPED" in stopped.inner_text()
    assert "no longer receives hotlist alerts" in stopped.inner_text()
    within_first_screen(page, stopped.get_by_role("link", name="Sign in again"))
    no_sideways_scroll(page)
    shot(page, "live-alerts-stopped")
    stopped.get_by_role("link", name="Sign in again").click()
    page.wait_for_url(f"{live_server.url}/login*")
