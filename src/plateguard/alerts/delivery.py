"""Alerts sent to webhooks and mailboxes: an outbox row per target, written in the alert's transaction.

A read, its alerts and their deliveries commit together or not at all; the delivery worker sends them
afterwards, outside any database transaction, and retries with doubling delays until a target accepts
or the configured number of attempts is spent. Alerts from restricted lists (460.3(e)) go only to targets
configured for them. Each sent alert is an access record: who received which plate, when, and why.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.guard import system_scope
from plateguard.access_log.service import Actor, Justification
from plateguard.alerts import senders
from plateguard.alerts.models import Alert, AlertDelivery, DeliveryStatus
from plateguard.alerts.service import alert_summary
from plateguard.config import AlertSettings, Settings
from plateguard.database import transaction, utcnow
from plateguard.errors import ConfigurationError
from plateguard.hotlists.models import Hotlist
from plateguard.sharing.recipients import alert_target_refusal

logger = logging.getLogger(__name__)

WEBHOOK = "webhook"
EMAIL = "email"
LEASE = dt.timedelta(minutes=2)  # a claimed delivery is not claimed again while it is being sent
DELIVERY_PURPOSE = "Alert notification"


@dataclass(frozen=True)
class Target:
    channel: str
    address: str
    restricted_lists: bool


def targets_from(alerts: AlertSettings) -> tuple[Target, ...]:
    hooks = [Target(WEBHOOK, hook.url, hook.restricted_lists) for hook in alerts.webhooks]
    mail = alerts.email
    boxes = [Target(EMAIL, box, mail.restricted_lists) for box in mail.recipients] if mail.smtp_host else []
    return (*hooks, *boxes)


def enqueue(*, session: Session, alerts: Sequence[Alert], targets: Sequence[Target]) -> list[AlertDelivery]:
    """Add one delivery per live alert and target; retroactive hits go to investigators, not patrol."""
    rows = []
    for alert in alerts:
        if alert.retroactive:
            continue
        hotlist = session.get(Hotlist, alert.hotlist_id)
        restricted = hotlist is None or hotlist.restricted
        for target in targets:
            if restricted and not target.restricted_lists:
                continue
            row = AlertDelivery(alert_id=alert.id, channel=target.channel, target=target.address)
            session.add(row)
            rows.append(row)
    if rows:
        session.flush()
    return rows


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    channel: str
    target: str
    payload: dict[str, Any]


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(
    *, factory: sessionmaker[Session], settings: Settings, now: dt.datetime | None = None, limit: int = 100
) -> DeliveryReport:
    """Send every delivery that is due; returns what happened.

    Each result is committed as soon as that one send is over, so a failure later in the batch (an
    unexpected error, a crash, the database going away) never makes earlier, accepted alerts go out
    again when the lease runs out: a CAD system gets each alert once.
    """
    claimed = _claim(factory, settings, now or utcnow(), limit)
    report = DeliveryReport()
    for item in claimed:
        _record(factory, settings, report, item, _send(settings, item))
    return report


def _claim(factory: sessionmaker[Session], settings: Settings, now: dt.datetime, limit: int) -> list[Claimed]:
    with transaction(factory) as session:
        query = (
            select(AlertDelivery)
            .where(AlertDelivery.status == DeliveryStatus.PENDING, AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        with system_scope(session, "alert delivery"):
            alerts = _alerts(session, {row.alert_id for row in rows})
            payloads = {alert_id: payload(alert, settings=settings) for alert_id, alert in alerts.items()}
        claimed = []
        for row in rows:
            row.next_attempt_at = now + LEASE
            claimed.append(Claimed(row.id, row.channel, row.target, payloads[row.alert_id]))
        return claimed


def _alerts(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Alert]:
    if not ids:
        return {}
    return {alert.id: alert for alert in session.scalars(select(Alert).where(Alert.id.in_(ids)))}


def payload(alert: Alert, *, settings: Settings) -> dict[str, Any]:
    """What a webhook or an e-mail says: enough to find the car, and the verification warning."""
    read, entry = alert.read, alert.entry
    return (
        {"event": "alert"}
        | alert_summary(alert)
        | {
            "url": f"{settings.server.public_url.rstrip('/')}/alerts/{alert.id}",
            "state": read.region,
            "confidence": read.confidence,
            "latitude": read.latitude,
            "longitude": read.longitude,
            "entry_state": entry.get("state"),
            "reason": entry.get("reason"),
            "vehicle_description": entry.get("vehicle_description"),
            "verification": senders.VERIFICATION_WARNING,
        }
    )


def _send(settings: Settings, item: Claimed) -> str | None:
    """None when the target accepted the alert, else why it did not."""
    refusal = alert_target_refusal(settings, item.channel, item.target)
    if refusal is not None:
        return refusal
    try:
        if item.channel == WEBHOOK:
            senders.post_webhook(item.target, item.payload, key=settings.secret("webhook_key"))
        else:
            senders.send_email(settings.alerts.email, item.target, item.payload, settings=settings)
    except (senders.DeliveryError, ConfigurationError) as exc:
        return str(exc)
    except Exception as exc:  # a bug in one sender is one failed attempt, not a lost batch
        logger.exception("unexpected error sending alert %s to %s", item.payload.get("id"), item.target)
        return f"unexpected error: {type(exc).__name__}: {exc}"
    return None


def _record(
    factory: sessionmaker[Session],
    settings: Settings,
    report: DeliveryReport,
    item: Claimed,
    error: str | None,
) -> None:
    now = utcnow()
    with transaction(factory) as session:
        row = session.get(AlertDelivery, item.delivery_id)
        if row is None:
            return
        row.attempts += 1
        if error is None:
            row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, now, None
            _log_sent(session, settings, item)
            report.sent += 1
            return
        row.last_error = error[:2000]
        report.errors.append(f"{item.channel} {item.target}: {error}")
        if row.attempts >= settings.alerts.delivery_attempts:
            row.status = DeliveryStatus.FAILED
            report.failed += 1
        else:
            delay = settings.alerts.delivery_retry_seconds * 2 ** (row.attempts - 1)
            row.next_attempt_at = now + dt.timedelta(seconds=delay)
            report.retrying += 1


def _log_sent(session: Session, settings: Settings, item: Claimed) -> None:
    access_log.append(
        session=session,
        actor=Actor.system(settings.agency.name, "alert delivery"),
        action="alerts.delivered",
        query={
            "alert": item.payload["id"],
            "plate": item.payload["plate"],
            "channel": item.channel,
            "recipient": item.target,
        },
        result_count=1,
        justification=Justification(DELIVERY_PURPOSE),
    )


def deliveries_for(*, session: Session, alert_id: uuid.UUID) -> list[AlertDelivery]:
    query = select(AlertDelivery).where(AlertDelivery.alert_id == alert_id).order_by(AlertDelivery.id)
    return list(session.scalars(query))


class DeliveryWorker:
    """A background thread of the web server that sends due deliveries about once a second."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, interval: float = 1.0) -> None:
        self.factory, self.settings, self.interval = factory, settings, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                report = deliver_due(factory=self.factory, settings=self.settings)
            except Exception:  # the worker must outlive a database hiccup; the next tick retries
                logger.exception("alert delivery failed")
                continue
            for error in report.errors:
                logger.warning("alert delivery: %s", error)
