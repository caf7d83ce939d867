"""The console shell in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.conftest import LiveServer, browser_sign_in

pytestmark = pytest.mark.browser


def test_sign_in_reaches_the_dashboard_and_sign_out_ends_it(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/login?next=/")
    browser_sign_in(page, live_server, "admin")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert page.get_by_text("Lt. Maria Alvarez").first.is_visible()
    assert page.locator(".figure", has_text="Cameras").locator("dd").inner_text() == "5"
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto(f"{live_server.url}/")
    assert "/login" in page.url


def test_wrong_password_shows_an_error(page: Page, live_server: LiveServer) -> None:
    browser_sign_in(page, live_server, "detective", "not-the-right-password")
    assert "Wrong username, password or authenticator code" in page.get_by_role("alert").inner_text()


def test_public_policy_page_needs_no_login(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/policy")
    page.get_by_role("heading", name="Automated License Plate Reader policy").wait_for()
    assert "Lt. Maria Alvarez" in page.content()
    assert page.get_by_text("460.7 RELEASING ALPR DATA").is_visible()
