"""The console under its Content-Security-Policy in Chromium: no page needs anything the policy refuses."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.web.conftest import LiveServer, browser_sign_in

pytestmark = pytest.mark.browser
PAGES = ("/", "/alerts", "/hotlists", "/cameras", "/admin/users", "/audit/access-log", "/account/two-factor")


def test_pages_load_without_a_policy_violation(page: Page, live_server: LiveServer) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live_server.url}/login")
    policy = page.request.get(f"{live_server.url}/login").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    browser_sign_in(page, live_server, "admin")
    page.wait_for_url(f"{live_server.url}/")
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/reads/search")
    page.wait_for_selector("#map.leaflet-container")  # the map script ran under the policy
    assert refused == []
