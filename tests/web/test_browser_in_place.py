"""Pages of ALPR data reached with the user's own bad input or with nothing to show, in a real browser at a
desk (1366x768), a patrol-car terminal (1024x768) and a phone (390x844): the page asks again in place with
the message beside the field, an empty timeline says so, and messages read as sentences."""

from __future__ import annotations

import urllib.parse

import pytest

from plateguard.demo_tour import TOUR_CASE, TOUR_PURPOSE, tour_facts
from tests.web.conftest import SCREENSHOTS, LiveServer, browser_sign_in, no_sideways_scroll

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.size_name}.png"))


def why(**fields: str) -> str:
    return urllib.parse.urlencode({"purpose": TOUR_PURPOSE, "case_number": TOUR_CASE, **fields})


def starts_as_a_sentence(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[0].isupper()


def test_a_timeline_of_a_plate_never_read_says_so(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/reads/timeline?{why(plate='qqq0000')}")
    empty = page.locator("#no-reads")
    empty.wait_for()
    assert "No reads of QQQ0000" in empty.inner_text()
    assert page.locator("#map").count() == 0 and page.locator("#timeline").count() == 0
    assert page.get_by_role("link", name="Open read").count() == 0
    no_sideways_scroll(page)
    shot(page, "timeline-empty")


def test_a_timeline_without_a_case_number_asks_for_it_in_place(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    plate = tour_facts(live_server.settings).plate
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    response = page.goto(f"{live_server.url}/reads/timeline?plate={plate}&purpose={TOUR_PURPOSE}")
    assert response is not None and response.status == 422
    message = page.locator("#field-error")
    message.wait_for()
    assert "case or incident number" in message.inner_text()
    assert starts_as_a_sentence(message.inner_text())
    assert page.locator("#case_number").get_attribute("aria-invalid") == "true"
    assert page.locator("#plate").input_value() == plate  # what was given is kept
    assert page.locator("#purpose").input_value() == TOUR_PURPOSE
    assert "Something went wrong" not in page.content()
    no_sideways_scroll(page)
    shot(page, "timeline-needs-case")
    page.locator("#case_number").fill(TOUR_CASE)
    page.get_by_role("button", name="Show timeline").click()
    page.locator("#timeline tbody tr").first.wait_for()
    assert page.get_by_role("heading", name=f"Timeline of {plate}").is_visible()


def test_a_read_opened_without_a_purpose_asks_for_it_in_place(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    plate = tour_facts(live_server.settings).plate
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/reads/timeline?{why(plate=plate)}")
    href = page.get_by_role("link", name="Open read").first.get_attribute("href") or ""
    read_path = href.split("?")[0]
    response = page.goto(f"{live_server.url}{read_path}?case_number={TOUR_CASE}")
    assert response is not None and response.status == 422
    message = page.locator("#field-error")
    message.wait_for()
    assert message.inner_text().strip() == "Choose the purpose of this access"
    assert page.locator("#purpose").get_attribute("aria-invalid") == "true"
    assert page.locator("#case_number").input_value() == TOUR_CASE
    no_sideways_scroll(page)
    shot(page, "read-needs-purpose")
    page.locator("#purpose").select_option(TOUR_PURPOSE)
    page.get_by_role("button", name="Open read").click()
    page.get_by_role("heading", name=f"Read {plate}").wait_for()
    assert page.url.split("?")[0].endswith(read_path)


def test_refusals_and_error_pages_read_as_sentences(page, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login")
    page.locator("#username").fill("no-such-officer")
    page.locator("#password").fill("not-the-password")
    page.locator("#password").press("Enter")
    login_error = page.locator("#login-error")
    login_error.wait_for()
    assert starts_as_a_sentence(login_error.inner_text())
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    response = page.goto(f"{live_server.url}/reads/not-a-read?{why()}")
    assert response is not None and response.status == 422
    error = page.locator("p.error[role=alert]")
    assert error.inner_text().strip() == "Not a read id"
    response = page.goto(f"{live_server.url}/hotlists/999999")
    assert response is not None and response.status == 404
    assert starts_as_a_sentence(page.locator("p.error[role=alert]").inner_text())


def test_alert_filters_that_match_nothing_say_so(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/alerts?until=2001-01-01T00:00")
    rows = page.locator("#alert-table tbody tr")
    assert rows.count() == 1
    assert rows.first.inner_text().strip() == "No alerts match these filters."
    assert page.get_by_role("link", name="Clear filters").is_visible()
    no_sideways_scroll(page)
    rows.first.scroll_into_view_if_needed()
    shot(page, "alerts-filtered-empty")


def test_an_access_log_filter_ending_before_it_starts_is_asked_again_in_place(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page = sized
    browser_sign_in(page, live_server, "auditor")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/audit/access-log")
    page.locator("input[name=username]").fill("detective")
    page.locator("input[name=since]").fill("2026-11-20")
    page.locator("input[name=until]").fill("2026-11-10")
    page.get_by_role("button", name="Filter").click()
    message = page.locator("#field-error")
    message.wait_for()
    assert message.inner_text().strip() == "The To date must be on or after the From date"
    assert page.locator("input[name=until]").get_attribute("aria-invalid") == "true"
    assert page.locator("input[name=username]").input_value() == "detective"  # what was typed is kept
    assert page.locator("input[name=since]").input_value() == "2026-11-20"
    assert "Something went wrong" not in page.content()
    no_sideways_scroll(page)
    shot(page, "access-log-refused-filter")


def test_an_alert_filter_with_an_unreadable_time_is_asked_again_in_place(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page = sized
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    response = page.goto(f"{live_server.url}/alerts?since=yesterday")
    assert response is not None and response.status == 422
    message = page.locator("#field-error")
    message.wait_for()
    assert message.inner_text().startswith("Read from must be a date and time")
    assert page.locator("#since").get_attribute("aria-invalid") == "true"
    assert page.locator("#alert-table tbody tr").count() >= 1  # the list is still there
    no_sideways_scroll(page)
    shot(page, "alerts-refused-filter")
