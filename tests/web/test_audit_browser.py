"""Public pages, the audit report, dashboards and the access log in a real browser at three sizes:
nothing wider than the window, every chart drawn, and a screenshot of each to look at."""

from __future__ import annotations

import pytest

from tests.web.conftest import SCREENSHOTS, LiveServer, browser_sign_in

pytestmark = pytest.mark.browser
SIZES = {"1366x768": (1366, 768), "1024x768": (1024, 768), "390x844": (390, 844)}
WIDER_THAN_WINDOW = "document.documentElement.scrollWidth > window.innerWidth"
CHARTS_DRAWN = "[...document.querySelectorAll('.chart img')].every(i => i.complete && i.naturalWidth > 0)"


def shoot(page, name: str, size: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_public_pages_fit_and_show_figures_only(chromium, live_server: LiveServer, size: str) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/transparency")
        page.get_by_role("heading", name="ALPR transparency figures").wait_for()
        assert page.locator(".figure", has_text="Cameras in service").locator("dd").inner_text() == "5"
        assert "Signed off on" in page.locator("#last-audit").inner_text()
        assert page.locator("img").count() == 0
        assert not page.evaluate(WIDER_THAN_WINDOW)
        shoot(page, "transparency", size)
        page.goto(f"{live_server.url}/policy")
        page.get_by_role("heading", name="Automated License Plate Reader policy").wait_for()
        assert "Kim Okafor" not in page.content() and "Sgt. Dana Brooks" not in page.content()
        assert not page.evaluate(WIDER_THAN_WINDOW)
        shoot(page, "policy", size)
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_signed_off_audit_report_and_the_dashboards(chromium, live_server: LiveServer, size: str) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        browser_sign_in(page, live_server, "auditor")
        page.goto(f"{live_server.url}/audits")
        page.get_by_role("link", name="HTML").first.wait_for()
        signed = page.locator("#audits tr", has_text="Signed off").first
        signed.get_by_role("link", name="HTML").click()
        page.get_by_role("heading", name="ALPR compliance report").wait_for()
        assert "Signed off by auditor" in page.content()
        page.wait_for_function(CHARTS_DRAWN)
        assert page.locator(".chart img").count() == 4
        assert not page.evaluate(WIDER_THAN_WINDOW)
        shoot(page, "audit-report", size)
        page.goto(f"{live_server.url}/dashboards/audit")
        page.wait_for_function(CHARTS_DRAWN)
        assert not page.evaluate(WIDER_THAN_WINDOW)
        shoot(page, "audit-dashboard", size)
        page.goto(f"{live_server.url}/audit/access-log?since=&until=&plate=")
        page.get_by_role("heading", name="Access log").wait_for()
        assert page.locator("#access-log tbody tr").count() == 100
        assert not page.evaluate(WIDER_THAN_WINDOW)
        shoot(page, "access-log", size)
    finally:
        context.close()


def test_the_administrator_sees_the_operations_dashboard(chromium, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        browser_sign_in(page, live_server, "admin")
        page.get_by_role("link", name="Operations").click()
        page.get_by_role("heading", name="Operations dashboard").wait_for()
        page.wait_for_function(CHARTS_DRAWN)
        assert page.locator(".chart img").count() == 3
        shoot(page, "operations-dashboard", "1366x768")
        page.goto(f"{live_server.url}/incidents")
        assert "Send a sample notice to the Attorney General" in page.content()
        shoot(page, "incidents", "1366x768")
    finally:
        context.close()
