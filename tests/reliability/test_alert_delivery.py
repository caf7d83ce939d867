"""Alert delivery when a send goes wrong mid-batch: each accepted alert reaches the CAD system once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.orm import Session

from plateguard.alerts import delivery, senders
from plateguard.alerts.models import DeliveryStatus
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.hotlists.models import HotlistSource
from tests.alerts.test_delivery import Ingest, Receiver, configured, deliveries, factory_for, ingest, webhook
from tests.hotlists.conftest import camera, make_list, stolen

__all__ = ["camera", "ingest", "webhook"]  # fixtures reused from the delivery tests


class ProcessDied(BaseException):
    """Stands for the worker process being killed between two sends."""


def test_a_crash_after_the_first_send_does_not_send_it_again_after_the_lease(
    db: Session, settings: Settings, ingest: Ingest, webhook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = f"{webhook.url}?cad=2"
    settings = configured(settings, webhooks=[{"url": webhook.url}, {"url": second}])
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    ingest(settings)
    real_post, calls = senders.post_webhook, Counter[str]()

    def post_then_die(url: str, body: dict[str, Any], *, key: str) -> None:
        calls[url] += 1
        if url == second and calls[url] == 1:
            raise ProcessDied
        real_post(url, body, key=key)

    monkeypatch.setattr(senders, "post_webhook", post_then_die)
    with pytest.raises(ProcessDied):
        delivery.deliver_due(factory=factory_for(db), settings=settings)
    after_lease = utcnow() + delivery.LEASE + dt.timedelta(seconds=1)
    delivery.deliver_due(factory=factory_for(db), settings=settings, now=after_lease)
    assert len(webhook.received) == 2  # one alert to each CAD endpoint, none twice
    assert calls == {webhook.url: 1, second: 2}
    assert [d.status for d in deliveries(db)] == [DeliveryStatus.SENT, DeliveryStatus.SENT]


def test_an_unexpected_error_in_one_send_is_one_failed_attempt(
    db: Session, settings: Settings, ingest: Ingest, webhook: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = f"{webhook.url}?cad=broken"
    settings = configured(settings, webhooks=[{"url": broken}, {"url": webhook.url}])
    make_list(db, "Department BOLO", HotlistSource.DEPARTMENT, stolen("7ABC123"))
    ingest(settings)
    real_post = senders.post_webhook

    def post(url: str, body: dict[str, Any], *, key: str) -> None:
        if url == broken:
            raise ValueError("a sender bug")
        real_post(url, body, key=key)

    monkeypatch.setattr(senders, "post_webhook", post)
    report = delivery.deliver_due(factory=factory_for(db), settings=settings)
    assert (report.sent, report.retrying) == (1, 1)
    first, other = deliveries(db)
    assert first.status == DeliveryStatus.PENDING and "ValueError: a sender bug" in (first.last_error or "")
    assert other.status == DeliveryStatus.SENT and len(webhook.received) == 1
