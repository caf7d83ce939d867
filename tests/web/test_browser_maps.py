"""Maps an investigator can use without a tile server, and with the agency's own one, in a real browser."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
import uvicorn

from plateguard.config import MapSettings
from plateguard.demo_tour import CANVASS_ADDRESS, TOUR_CASE, TOUR_PURPOSE, tour_facts
from plateguard.main import create_app
from tests.web.conftest import SCREENSHOTS, LiveServer, _free_port, browser_sign_in, no_sideways_scroll

pytestmark = pytest.mark.browser
DEMO_CAMERAS = 4  # the fixed demo cameras (the patrol unit's camera moves: its reads carry their position)


def search(page, server: LiveServer, **fields: str) -> None:  # type: ignore[no-untyped-def]
    query = "&".join(
        f"{k}={v}" for k, v in {"purpose": TOUR_PURPOSE, "case_number": TOUR_CASE, **fields}.items()
    )
    page.goto(f"{server.url}/reads/search?{query}")
    page.get_by_role("heading", name="found").wait_for()
    page.locator(".leaflet-marker-icon").first.wait_for()


def test_a_canvass_map_without_tiles_shows_cameras_clusters_scale_and_addresses(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer
) -> None:
    page = sized
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    search(page, live_server, address=CANVASS_ADDRESS.replace(" ", "+"), radius_m="1000")
    page.locator("#map").scroll_into_view_if_needed()
    assert page.locator(".camera-icon").count() == DEMO_CAMERAS
    assert page.locator(".leaflet-control-scale-line").first.inner_text().strip() != ""
    found = int(page.get_by_role("heading", name="found").inner_text().split()[0])
    clusters = page.locator(".marker-cluster")
    shown = sum(int(clusters.nth(i).inner_text()) for i in range(clusters.count()))
    assert clusters.count() >= 1 and shown + page.locator(".read-icon").count() == min(found, 50)
    area, frame = page.locator("path.canvass-area").bounding_box(), page.locator("#map").bounding_box()
    assert area is not None and frame is not None
    assert 0.2 * frame["height"] < area["height"] < 0.95 * frame["height"], (
        "the 1 km circle fits with a margin"
    )
    assert page.locator(".leaflet-tile").count() == 0  # no tile server contacted
    no_sideways_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"canvass-map-{page.size_name}.png"), full_page=False)
    for _ in range(2):  # zoomed in to the street, the address points appear
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(400)
    page.locator(".address-point").first.wait_for(timeout=5000)


def test_a_timeline_is_a_path_in_time_order(sized, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    page = sized
    facts = tour_facts(live_server.settings)
    browser_sign_in(page, live_server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(
        f"{live_server.url}/reads/timeline?plate={facts.plate}&purpose={TOUR_PURPOSE}&case_number={TOUR_CASE}"
    )
    page.locator("path.timeline-path").wait_for()
    rows = page.locator("#timeline tbody tr")
    times = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert len(times) >= 2 and times == sorted(times)  # the table: oldest first
    path = page.locator("path.timeline-path").get_attribute("d") or ""
    assert path.count("L") >= 1
    labels = page.locator(".read-icon")
    numbers = sorted(int(labels.nth(i).inner_text()) for i in range(labels.count()))
    assert numbers and set(numbers) <= set(range(1, len(times) + 1))  # numbered from the oldest
    no_sideways_scroll(page)
    page.locator("#map").screenshot(path=str(SCREENSHOTS / f"timeline-map-{page.size_name}.png"))


@pytest.fixture(scope="module")
def agency_tiles(live_server: LiveServer) -> Iterator[str]:
    """The same data served with the agency's own tile server configured."""
    settings = live_server.settings.model_copy(
        update={
            "map": MapSettings(tile_url="http://tiles.agency.test/{z}/{x}/{y}.png", attribution="County GIS")
        }
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=_free_port()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_map_uses_the_agencys_own_tile_server_when_configured(  # type: ignore[no-untyped-def]
    sized, live_server: LiveServer, agency_tiles: str
) -> None:
    page = sized
    ok, tile = cv2.imencode(".png", np.full((256, 256, 3), 200, dtype=np.uint8))
    assert ok
    asked: list[str] = []

    def answer(route) -> None:  # type: ignore[no-untyped-def]
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=tile.tobytes())

    page.route("http://tiles.agency.test/**", answer)
    server = LiveServer(agency_tiles, live_server.settings, live_server.logins)
    browser_sign_in(page, server, "detective")
    page.get_by_role("heading", name="Dashboard").wait_for()
    response = page.goto(f"{agency_tiles}/reads/search")
    assert response is not None
    assert (
        "img-src 'self' data: blob: http://tiles.agency.test" in response.headers["content-security-policy"]
    )
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert asked and all(url.endswith(".png") for url in asked)
    assert "County GIS" in page.locator(".leaflet-control-attribution").inner_text()
    no_sideways_scroll(page)
    page.locator("#map").screenshot(path=str(SCREENSHOTS / f"agency-tiles-{page.size_name}.png"))
