"""An operator with the alert page open sees a new hotlist hit within a second and verifies it."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from plateguard.alerts.service import process_new_reads
from plateguard.cameras.models import Camera
from plateguard.database import make_engine, make_session_factory, transaction, utcnow
from plateguard.hotlists.live import LiveMatcher
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.schemas import Candidate
from plateguard.reads.stored import StoredRead
from tests.web.conftest import LiveServer, browser_sign_in

pytestmark = pytest.mark.browser


def post_hotlisted_read(server: LiveServer, plate: str) -> float:
    """Store a read in the live server's database and run alert processing, as ingest does; commit."""
    engine = make_engine(server.settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        camera = session.scalars(select(Camera).order_by(Camera.id)).first()
        assert camera is not None
        read = ingest_service.store_read(
            session=session,
            camera=camera,
            read=ReadSubmission(
                plate=plate,
                confidence=0.93,
                candidates=[Candidate(plate=plate, confidence=0.93)],
                region="us-ca",
                captured_at=utcnow() - dt.timedelta(seconds=1),
            ),
            images_dir=server.settings.images_dir,
        )
        assert process_new_reads(session=session, reads=[StoredRead.of(read)], matcher=LiveMatcher())
    committed = time.monotonic()
    engine.dispose()
    return committed


def test_alert_is_pushed_within_a_second_and_verified(page: Page, live_server: LiveServer) -> None:
    browser_sign_in(page, live_server, "officer")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{live_server.url}/alerts")
    page.get_by_role("heading", name="Alerts").wait_for()
    page.wait_for_timeout(500)  # the event stream is open
    committed = post_hotlisted_read(live_server, "9ZZZ007")
    banner = page.locator("#live-alert-banner", has_text="9ZZZ007")
    banner.wait_for(timeout=1000)
    elapsed = time.monotonic() - committed
    assert "HOTLIST ALERT: 9ZZZ007" in banner.inner_text()
    assert elapsed < 1.0, f"alert shown {elapsed:.2f} s after the read was stored"
    assert page.locator("#alert-table tbody tr").first.inner_text().count("9ZZZ007") >= 1

    banner.get_by_role("link", name="Open alert").click()
    page.get_by_role("heading", name="Alert: 9ZZZ007 on CA DOJ stolen vehicles (SVS)").wait_for()
    assert page.get_by_text("confirmed visually and the hit confirmed through CLETS").is_visible()
    page.get_by_label("Yes").check()
    page.get_by_label("CLETS result").select_option("confirmed")
    page.get_by_label("Outcome").select_option("enforcement_taken")
    page.get_by_label("Notes").fill("No plate image: plate and state read on the vehicle at the stop.")
    page.get_by_role("button", name="Record verification").click()
    page.wait_for_url("**/alerts/*")
    assert page.locator("#alert-status").inner_text() == "closed"
    assert "enforcement taken" in page.content()
