"""The console round 2 in a real browser, at a desktop, a 1024x768 patrol-car terminal and a phone:
refused forms stay on their page with the message beside the field, one time zone, import reports,
account pages, the untrained user's dashboard, empty results and the favicon."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from plateguard.accounts.roles import Role
from tests.web.conftest import SCREENSHOTS, LiveServer, add_live_user, browser_sign_in

pytestmark = pytest.mark.browser
SIZES = {"desktop": (1366, 768), "terminal": (1024, 768), "phone": (390, 844)}
JUNK_CSV = b"plate,state,reason\nABC1234,CA,stolen\n#$%!,CA,junk\nXYZ9876,CA,stolen\n"


@pytest.fixture(params=list(SIZES))
def sized(chromium, request: pytest.FixtureRequest) -> Iterator[tuple[object, str]]:  # type: ignore[no-untyped-def]
    width, height = SIZES[request.param]
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, request.param
    context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"round2-{name}.png"), full_page=False)


def no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def field_error(page) -> str:  # type: ignore[no-untyped-def]
    message = page.locator("#field-error")
    message.wait_for()
    assert message.is_visible()
    return str(message.inner_text())


def test_a_refused_account_form_stays_with_the_message_beside_the_field(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page, size = sized
    browser_sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/users")
    page.get_by_label("Username").fill(f"ofc.weak-{size}")
    page.get_by_label("Full name").fill("Ofc. Weak Password")
    page.get_by_label("Initial password").fill("password1234")
    page.locator("label.check", has_text="Operator").first.locator("input").check()
    page.get_by_role("button", name="Create account").click()
    assert page.url.endswith("/admin/users")
    message = field_error(page)
    assert message[0].isupper() and "password" in message.lower()
    # What was typed is back (not the password), and the field says what is wrong with it.
    assert page.get_by_label("Username").input_value() == f"ofc.weak-{size}"
    assert page.get_by_label("Full name").input_value() == "Ofc. Weak Password"
    assert page.locator("label.check", has_text="Operator").first.locator("input").is_checked()
    assert page.get_by_label("Initial password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Initial password").input_value() == ""
    shot(page, f"account-form-refused-{size}")


def test_a_partial_plate_without_expiry_and_a_search_error_stay_in_place(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page, size = sized
    browser_sign_in(page, live_server, "detective")
    page.goto(f"{live_server.url}/hotlists")
    page.get_by_role("link", name="Department BOLO").click()
    list_url = page.url
    page.locator("#plate").fill("4KP*")
    page.locator("#case_number").fill("26-0099")
    page.locator("#reason").fill("Hit and run, partial plate from a witness")
    page.get_by_role("button", name="Add entry").click()
    assert page.url == list_url
    assert "expir" in field_error(page).lower()
    assert page.locator("#plate").input_value() == "4KP*"
    assert page.locator("#case_number").input_value() == "26-0099"
    assert page.locator("#expires_on").get_attribute("aria-invalid") == "true"
    shot(page, f"partial-without-expiry-{size}")

    page.goto(f"{live_server.url}/reads/search")
    page.locator("#address").fill("100 N Main St")
    page.locator("#purpose").select_option(index=1)
    page.locator("#case_number").fill("26-004711")
    page.get_by_role("button", name="Search").click()
    assert "radius" in field_error(page).lower()
    assert page.locator("#address").input_value() == "100 N Main St"
    assert page.locator("#radius_m").get_attribute("aria-invalid") == "true"
    shot(page, f"search-refused-{size}")


def test_an_enforcement_step_refused_shows_on_the_alert(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page, size = sized
    add_live_user(live_server, f"ofc.alert-{size}", Role.OPERATOR, trained=True)
    browser_sign_in(page, live_server, f"ofc.alert-{size}", "browser-test-pass-4600")
    page.goto(f"{live_server.url}/alerts")
    links = page.locator('a[href^="/alerts/"]').evaluate_all("links => links.map(a => a.href)")
    for link in links:
        page.goto(link)
        if page.locator(".verify-form").count():
            break
    else:
        pytest.fail("no open alert in the demo")
    alert_url = page.url
    page.locator("#outcome").select_option("enforcement_taken")
    page.locator("#notes").fill("Stopped the vehicle")
    page.get_by_role("button", name="Record verification").click()
    assert page.url == alert_url  # the alert itself, not a generic error page
    message = field_error(page)
    assert message.startswith("Enforcement cannot be recorded")
    assert page.locator("#outcome").input_value() == "enforcement_taken"
    assert page.locator("#notes").input_value() == "Stopped the vehicle"
    shot(page, f"alert-step-refused-{size}")


def test_times_are_entered_and_shown_in_the_agencys_zone(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page, size = sized
    browser_sign_in(page, live_server, "detective")
    page.goto(f"{live_server.url}/reads/search")
    legend = page.locator("legend", has_text="When").inner_text()
    assert re.fullmatch(r"When \(P[SD]T, America/Los_Angeles\)", legend), legend
    assert "UTC" not in page.locator("main").inner_text()
    page.context.clear_cookies()
    browser_sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/cameras")
    page.locator('a[href^="/cameras/"]').first.click()
    page.get_by_role("button", name="Issue a new token").click()
    issued = page.locator("table").first.locator("tbody tr").first.locator("td").nth(1).inner_text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T", issued), issued
    assert re.search(r"Date \(P[SD]T, America/Los_Angeles\)", page.locator("main").inner_text())
    shot(page, f"camera-local-times-{size}")


def test_an_import_lists_each_skipped_row_before_replacing_anything(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page, size = sized
    browser_sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/hotlists")
    page.locator("#name").fill(f"Import check {size}")
    page.locator("#source").select_option("department")
    page.get_by_role("button", name=re.compile("Create")).click()
    list_url = page.url
    upload = {"name": "bolo.csv", "mimeType": "text/csv", "buffer": JUNK_CSV}
    page.locator("#file").set_input_files(upload)
    page.locator("#import-format").select_option("csv")
    page.locator("#import-purpose").select_option("Criminal investigation")
    page.get_by_role("button", name="Import").click()
    assert page.url == list_url
    refusal = field_error(page)
    assert "line 3: plate '#$%!' has no letters or digits" in refusal and "Nothing was replaced" in refusal
    assert "· 0 entries ·" in page.locator("h1 + p").inner_text()
    shot(page, f"import-refused-{size}")

    page.locator("#file").set_input_files(upload)
    page.locator("#confirm-skipped").check()
    page.locator("#import-purpose").select_option("Criminal investigation")
    page.get_by_role("button", name="Import").click()
    done = page.locator("#feedback").inner_text()
    assert done.startswith("List replaced: 2 entries loaded; 1 row skipped (line 3: plate '#$%!'")
    assert "retroactive alerts" in done
    shot(page, f"import-done-{size}")


def test_account_pages_roles_reset_and_own_password(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page, size = sized
    username = f"ofc.reset-{size}"
    add_live_user(live_server, username, Role.OPERATOR, trained=True)
    browser_sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/users")
    assert "records_custodian" not in page.locator("main").inner_text()
    assert "Records Custodian" in page.locator("main").inner_text()
    page.get_by_role("link", name=username, exact=True).click()
    page.locator("label.check", has_text="Investigator").locator("input").check()
    page.get_by_role("button", name="Save roles").click()
    assert page.locator("#feedback").inner_text() == f"Roles of {username}: Investigator, Operator."
    page.locator("#new_password").fill("temporary granite lamp 41")
    page.locator("#reason").fill("Forgot password; identity checked in person")
    page.get_by_role("button", name="Reset password").click()
    assert "must choose their own at the next sign-in" in page.locator("#feedback").inner_text()
    no_sideways_scroll(page)
    shot(page, f"admin-user-page-{size}")

    page.context.clear_cookies()
    browser_sign_in(page, live_server, username, "temporary granite lamp 41")
    page.goto(f"{live_server.url}/reads/search")
    assert page.url.endswith("/account")  # nothing else until a password of their own is chosen
    assert page.locator("#must-change").is_visible()
    assert page.get_by_role("navigation", name="Main").locator("a").count() == 0
    shot(page, f"must-change-password-{size}")
    page.locator("#current_password").fill("temporary granite lamp 41")
    page.locator("#new_password").fill("my own quiet harbor 2026")
    page.get_by_role("button", name="Change password").click()
    assert page.locator("#feedback").inner_text() == "Your password was changed."
    page.goto(f"{live_server.url}/reads/search")
    assert page.url.endswith("/reads/search")


def test_untrained_dashboard_empty_results_and_favicon(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page, size = sized
    username = f"ofc.new-{size}"
    add_live_user(live_server, username, Role.OPERATOR, trained=False)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    browser_sign_in(page, live_server, username, "browser-test-pass-4600")
    assert page.locator("#training-needed").is_visible()
    menu = page.get_by_role("navigation", name="Main").inner_text()
    assert "My training" in menu and "Search reads" not in menu and "Alerts" not in menu
    no_sideways_scroll(page)
    shot(page, f"untrained-dashboard-{size}")
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200
    assert not missing, missing

    page.context.clear_cookies()
    browser_sign_in(page, live_server, "detective")
    page.goto(f"{live_server.url}/reads/search")
    page.locator("#plate").fill("QQQ0000")
    page.locator("#purpose").select_option(index=1)
    page.locator("#case_number").fill("26-004711")
    page.get_by_role("button", name="Search").click()
    page.locator("#no-results").wait_for()
    assert page.locator("#export-form").count() == 0 and page.locator("#results").count() == 0
    page.locator("#no-results").scroll_into_view_if_needed()
    shot(page, f"empty-search-{size}")
