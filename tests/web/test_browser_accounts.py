"""Accounts in a real browser: lockout, two-factor enrolment, idle expiry, the untrained user's refusal."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
import pytest
from playwright.sync_api import Page

from plateguard.accounts.roles import Role
from tests.web.conftest import (
    SCREENSHOTS,
    LiveServer,
    add_live_user,
    age_sessions,
    browser_sign_in,
    no_sideways_scroll,
)

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_account(page: Page, live_server: LiveServer) -> None:
    password = add_live_user(live_server, "ofc.lockout", Role.OPERATOR, trained=True)
    for _ in range(5):
        browser_sign_in(page, live_server, "ofc.lockout", "not-my-password-at-all")
        assert "Wrong username, password or authenticator code" in page.get_by_role("alert").inner_text()
    browser_sign_in(page, live_server, "ofc.lockout", password)
    assert "Too many failed sign-ins" in page.get_by_role("alert").inner_text()


def test_enrol_two_factor_then_sign_in_with_a_code(page: Page, live_server: LiveServer) -> None:
    password = add_live_user(live_server, "det.twofactor", Role.INVESTIGATOR, trained=True)
    browser_sign_in(page, live_server, "det.twofactor", password)
    page.goto(f"{live_server.url}/account/two-factor")
    secret = page.locator("#totp-secret").inner_text()
    # The previous 30-second step's code (still accepted), so the current one is unused for signing in:
    # a code is accepted once, enrolment included. The server accepts it only until the step after this
    # one begins, so it is taken with at least 15 s of the step left, for a slow browser under load.
    earlier = pyotp.TOTP(secret).at(_start_of_a_fresh_step(margin_seconds=15) - dt.timedelta(seconds=30))
    page.get_by_label("Your password").fill(password)
    page.get_by_label("Code from the app").fill(earlier)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="My training").wait_for()
    page.get_by_role("button", name="Sign out").click()
    browser_sign_in(page, live_server, "det.twofactor", password)
    assert "authenticator code" in page.get_by_role("alert").inner_text()
    page.get_by_label("Username").fill("det.twofactor")
    page.get_by_label("Password").fill(password)
    page.get_by_label(re.compile("Authenticator code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Dashboard").wait_for()


def _start_of_a_fresh_step(*, margin_seconds: int) -> dt.datetime:
    """Now, after waiting (if needed) until at least ``margin_seconds`` of the 30-second step remain."""
    left = 30 - time.time() % 30
    if left < margin_seconds:
        time.sleep(left + 0.1)
    return dt.datetime.now(dt.UTC)


def test_idle_session_sends_the_user_back_to_sign_in(page: Page, live_server: LiveServer) -> None:
    password = add_live_user(live_server, "ofc.idle", Role.OPERATOR, trained=True)
    browser_sign_in(page, live_server, "ofc.idle", password)
    page.get_by_role("heading", name="Dashboard").wait_for()
    age_sessions(live_server, "ofc.idle", minutes=31)
    page.reload()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert "/login" in page.url


def test_untrained_user_sees_only_the_refusal(page: Page, live_server: LiveServer) -> None:
    password = add_live_user(live_server, "sgt.untrained", Role.AUDITOR, trained=False)
    browser_sign_in(page, live_server, "sgt.untrained", password)
    page.goto(f"{live_server.url}/audit/access-log")
    page.get_by_role("heading", name="Training required").wait_for()
    assert "ALPR system use and Policy 460" in page.get_by_role("alert").inner_text()
    page.get_by_role("link", name="See your training status").click()
    refusal = page.locator("#training-refusal")
    assert "ALPR functions are closed to you" in refusal.inner_text()
    assert "is not on record" in refusal.inner_text()


def test_administrator_pages_render(page: Page, live_server: LiveServer) -> None:
    browser_sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("heading", name="Accounts and roles").wait_for()
    assert page.locator("tr[data-username='detective']").is_visible()
    page.get_by_role("link", name="Access log").click()
    page.get_by_role("heading", name="Access log").wait_for()
    assert page.locator("#access-log").get_by_text("login.success").first.is_visible()


def test_administrator_sets_an_overnight_shift_on_the_users_page(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    browser_sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="custodian").click()
    page.get_by_role("heading", name="Shift").wait_for()
    page.get_by_label("Starts at").fill("22:00")
    page.get_by_label("Ends at").fill("06:00")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("Sun", exact=True).uncheck()
    page.get_by_role("button", name="Save shift").click()
    assert (
        "Shift of custodian: 22:00-06:00 Mon, Tue, Wed, Thu, Fri" in page.get_by_role("status").inner_text()
    )
    assert page.locator("#shift-now").inner_text() == "22:00-06:00 Mon, Tue, Wed, Thu, Fri"
    assert page.get_by_label("Sat", exact=True).is_checked() is False
    no_sideways_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"user-shift-{page.size_name}.png"), full_page=True)
