"""Alerts sent to webhooks (a real local HTTP server) and mailboxes (a real local SMTP server)."""

from __future__ import annotations

import datetime as dt
import email.policy
import http.server
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard import demo
from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from plateguard.alerts import delivery
from plateguard.alerts import service as alert_service
from plateguard.alerts.models import Alert, AlertDelivery, DeliveryStatus
from plateguard.alerts.senders import signature
from plateguard.cameras import service as camera_service
from plateguard.cameras.models import Camera, CameraStatus
from plateguard.config import Settings
from plateguard.database import make_engine, make_session_factory, transaction, utcnow
from plateguard.hotlists.live import LiveMatcher
from plateguard.hotlists.models import HotlistSource
from plateguard.ingest import service as ingest_service
from plateguard.ingest.hooks import read_stored_callback
from plateguard.ingest.schemas import ReadSubmission
from plateguard.main import create_app
from tests.conftest import TEST_ACTOR, Trained, sign_in
from tests.hotlists.conftest import StoreRead, make_list, stolen


@dataclass
class Receiver:
    url: str
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture()
def webhook() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.received.append((dict(self.headers.items()), body))
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/alpr-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


@pytest.fixture()
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def configured(settings: Settings, **alerts: Any) -> Settings:
    merged = {**settings.alerts.model_dump(), **alerts}
    server = {**settings.server.model_dump(), "public_url": "https://alpr.manteca.example"}
    return Settings.model_validate({**settings.model_dump(), "alerts": merged, "server": server})


def factory_for(db: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


Ingest = Callable[..., list[uuid.UUID]]


@pytest.fixture()
def ingest(db: Session, camera: Camera, tmp_path: Path) -> Ingest:
    """Store a read through the path every door uses; returns the ids of the alerts it raised."""

    def run(settings: Settings, plate: str = "7ABC123") -> list[uuid.UUID]:
        read = ReadSubmission(
            id=uuid.uuid4(),
            plate=plate,
            confidence=0.9,
            region="us-ca",
            captured_at=utcnow() - dt.timedelta(seconds=5),
        )
        on_stored = read_stored_callback(settings, matcher=LiveMatcher())
        ingest_service.store_batch(
            session=db, camera=camera, reads=[read], images_dir=tmp_path / "images", on_stored=on_stored
        )
        with system_scope(db, "test"):
            return list(db.scalars(select(Alert.id).where(Alert.read_id == read.id)))

    return run


def deliveries(db: Session) -> list[AlertDelivery]:
    db.expire_all()
    return list(db.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def test_an_alert_is_posted_signed_to_the_webhook_and_the_sending_is_an_access_record(
    db: Session, settings: Settings, ingest: Ingest, webhook: Receiver
) -> None:
    settings = configured(settings, webhooks=[{"url": webhook.url}])
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    (alert_id,) = ingest(settings)
    assert [(d.channel, d.target, d.status) for d in deliveries(db)] == [("webhook", webhook.url, "pending")]

    report = delivery.deliver_due(factory=factory_for(db), settings=settings)

    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    ((headers, body),) = webhook.received
    sent = json.loads(body)
    assert sent["plate"] == "7ABC123" and sent["hotlist"] == "Department BOLO"
    assert sent["category"] == "stolen_vehicle" and sent["camera"] == "Main St NB"
    assert sent["url"] == f"https://alpr.manteca.example/alerts/{alert_id}"
    assert "UNVERIFIED" in sent["verification"] and "CLETS" in sent["verification"]
    key = settings.secret("webhook_key")
    assert headers["X-Plateguard-Signature"] == signature(key, headers["X-Plateguard-Timestamp"], body)
    assert headers["X-Plateguard-Signature"] != signature(
        "wrong key", headers["X-Plateguard-Timestamp"], body
    )
    (row,) = deliveries(db)
    assert row.status == DeliveryStatus.SENT and row.attempts == 1 and row.sent_at is not None
    record = db.scalars(select(AccessRecord).where(AccessRecord.action == "alerts.delivered")).one()
    assert record.username == "system:alert delivery" and record.purpose == "Alert notification"
    assert record.query["plate"] == "7ABC123" and record.query["recipient"] == webhook.url
    # a second run sends nothing more
    assert delivery.deliver_due(factory=factory_for(db), settings=settings).sent == 0
    assert len(webhook.received) == 1


def test_an_alert_email_reaches_every_mailbox_with_the_warning_and_a_link(
    db: Session, settings: Settings, ingest: Ingest, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    email = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "starttls": False,
        "sender": "alpr@manteca.example",
        "recipients": ["watch.commander@manteca.example", "dispatch@manteca.example"],
    }
    settings = configured(settings, email=email)
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123", "NV"))
    (alert_id,) = ingest(settings)

    report = delivery.deliver_due(factory=factory_for(db), settings=settings)

    assert report.sent == 2
    assert sorted(to for (to,), _ in box.messages) == sorted(email["recipients"])  # type: ignore[call-overload]
    _, message = box.messages[0]
    assert message["Subject"] == "ALPR alert (unverified): 7ABC123 on Department BOLO - stolen vehicle"
    assert message["From"] == "alpr@manteca.example"
    text = message.get_content()
    assert "before any enforcement" in text and "STATE DOES NOT MATCH" in text
    assert f"https://alpr.manteca.example/alerts/{alert_id}" in text


def test_a_refused_webhook_is_retried_with_growing_delays_then_given_up(
    db: Session, settings: Settings, ingest: Ingest, webhook: Receiver
) -> None:
    settings = configured(
        settings, webhooks=[{"url": webhook.url}], delivery_attempts=3, delivery_retry_seconds=5
    )
    webhook.status = 503
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    ingest(settings)
    factory = factory_for(db)
    waits = []
    for _ in range(3):
        (row,) = deliveries(db)
        report = delivery.deliver_due(factory=factory, settings=settings, now=row.next_attempt_at)
        (row,) = deliveries(db)
        waits.append(round((row.next_attempt_at - utcnow()).total_seconds()))
        assert report.sent == 0
    (row,) = deliveries(db)
    assert len(webhook.received) == 3
    assert waits[:2] == [5, 10]
    assert (
        row.status == DeliveryStatus.FAILED
        and row.attempts == 3
        and row.last_error == "HTTP 503 Service Unavailable"
    )
    assert (
        delivery.deliver_due(factory=factory, settings=settings, now=utcnow() + dt.timedelta(days=1)).sent
        == 0
    )
    assert db.scalars(select(AccessRecord).where(AccessRecord.action == "alerts.delivered")).first() is None


def test_an_unreachable_webhook_waits_and_goes_when_it_is_back(
    db: Session, settings: Settings, ingest: Ingest, webhook: Receiver
) -> None:
    settings = configured(settings, webhooks=[{"url": "http://127.0.0.1:9/nowhere"}])
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    ingest(settings)
    first = delivery.deliver_due(factory=factory_for(db), settings=settings)
    assert first.retrying == 1 and "unreachable" in first.errors[0]
    assert delivery.deliver_due(factory=factory_for(db), settings=settings).sent == 0  # not due yet


def test_restricted_lists_reach_only_targets_cleared_for_them_and_retroactive_hits_none(
    db: Session, settings: Settings, ingest: Ingest, store_read: StoreRead, webhook: Receiver
) -> None:
    cleared = webhook.url + "?cleared"
    settings = configured(
        settings, webhooks=[{"url": webhook.url}, {"url": cleared, "restricted_lists": True}]
    )
    make_list(db, "SVS stolen vehicles", HotlistSource.STATE, stolen("7ABC123"))
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("5BOLO55"))
    ingest(settings, "7ABC123")
    ingest(settings, "5BOLO55")
    retro_read = store_read("5BOLO55")
    retro = alert_service.raise_alerts(
        session=db,
        read=retro_read,
        matches=LiveMatcher().ensure_fresh(db).match("5BOLO55", now=utcnow().timestamp()),
        retroactive=True,
    )
    assert delivery.enqueue(session=db, alerts=retro, targets=delivery.targets_from(settings.alerts)) == []
    assert sorted(d.target for d in deliveries(db)) == sorted([cleared, cleared, webhook.url])


def test_the_alert_page_lists_where_the_alert_was_sent(
    client: TestClient, db: Session, settings: Settings, ingest: Ingest, webhook: Receiver, trained: Trained
) -> None:
    settings = configured(settings, webhooks=[{"url": webhook.url}])
    trained("officer", Role.OPERATOR)
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    (alert_id,) = ingest(settings)
    delivery.deliver_due(factory=factory_for(db), settings=settings)
    sign_in(client, "officer")
    page = client.get(f"/alerts/{alert_id}", headers={"Accept": "text/html"})
    assert "Sent to" in page.text and webhook.url in page.text and "delivery-sent" in page.text


def test_a_read_posted_to_a_running_server_reaches_the_webhook_within_seconds(
    tmp_path: Path, webhook: Receiver
) -> None:
    demo_settings, _ = demo.build(tmp_path / "data")
    settings = configured(demo_settings, webhooks=[{"url": webhook.url}])
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        make_list(session, "Patrol BOLO", HotlistSource.DEPARTMENT, stolen("6LIVE60"))
        camera = session.scalars(select(Camera).where(Camera.status == CameraStatus.ACTIVE)).first()
        assert camera is not None
        _, token = camera_service.issue_token(session=session, actor=TEST_ACTOR, camera=camera)
    engine.dispose()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        read = {
            "id": str(uuid.uuid4()),
            "plate": "6LIVE60",
            "confidence": 0.93,
            "captured_at": utcnow().isoformat(),
        }
        posted = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/reads",
            json=read,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert posted.status_code == 200 and posted.json()["stored"] == 1
        deadline = time.monotonic() + 10
        while not webhook.received and time.monotonic() < deadline:
            time.sleep(0.05)
        waited = 10 - (deadline - time.monotonic())
    finally:
        server.should_exit = True
        thread.join(10)
    assert webhook.received, "the delivery worker never sent the alert"
    assert json.loads(webhook.received[0][1])["plate"] == "6LIVE60"
    assert waited < 5
