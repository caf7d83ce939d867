"""One console tab's live alert stream (server-sent events), as served by `GET /alerts/stream`.

The tab is sent every new alert on a list its user may see, within a second; the process-wide signal
(`live.AlertSignal`) decides when the tab asks for its own alerts. The gate is asked again before every
push and at every heartbeat, so a stream ends once its user signs out, idles past the limit or loses
access; the page then says that live alerts stopped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.accounts.models import User
from plateguard.accounts.roles import Permission
from plateguard.alerts import service as alert_service
from plateguard.alerts.live import POLL_SECONDS, AlertSignal
from plateguard.alerts.models import Alert
from plateguard.alerts.views import render_row, rows_for
from plateguard.config import Settings
from plateguard.database import transaction, utcnow
from plateguard.web.dependencies import still_allowed

HEARTBEAT_SECONDS = 15.0
Payload = dict[str, object]


@dataclass
class AlertStream:
    factory: sessionmaker[Session]
    settings: Settings
    signal: AlertSignal
    login_id: int
    # Alerts committed from one second before the page connected; later looks overlap by a few seconds
    # (a transaction may commit after a newer one) and skip what was already sent.
    floor: dt.datetime = field(default_factory=lambda: utcnow() - dt.timedelta(seconds=1))
    sent: dict[uuid.UUID, dt.datetime] = field(default_factory=dict)  # alerts sent, and when raised

    async def events(self, request: Request) -> AsyncIterator[str]:
        closes_at = time.monotonic() + self.settings.alerts.stream_max_seconds
        asked: alert_service.Signature | None = None  # the process-wide signature when this tab last looked
        quiet = 0.0
        yield "retry: 1000\n\n"
        while not await request.is_disconnected() and time.monotonic() < closes_at:
            try:
                signature = await run_in_threadpool(self.signal.current, self.factory)
                if signature != asked:
                    payloads = await run_in_threadpool(self.poll)
                    if payloads is None:  # signed out, closed, idle, role or training gone: nothing more
                        return
                    # a full page may have left newer alerts behind: look again next tick
                    asked = signature if len(payloads) < alert_service.PUSH_PAGE else None
                    for payload in payloads:
                        quiet = 0.0
                        yield f"event: alert\ndata: {json.dumps(payload)}\n\n"
            except OperationalError:  # SQLite busy with a concurrent writer: try again next tick
                pass
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                if not await run_in_threadpool(self.allowed):  # no alert came to ask the gate with
                    return
                yield ": heartbeat\n\n"

    def poll(self) -> list[Payload] | None:
        """New alerts for this tab (remembered as sent), or None once the gate would no longer let it in."""
        newest = max([self.floor, *self.sent.values()])
        since = max(self.floor, newest - dt.timedelta(seconds=5))
        self.sent = {key: at for key, at in self.sent.items() if at > since}
        with transaction(self.factory) as session:
            user = self._user(session)
            if user is None:
                return None
            fresh = alert_service.recent_for_push(
                session=session, user=user, since=since, sent=self.sent.keys()
            )
            payloads = [self._with_row(alert_service.push_payload(alert), alert) for alert in fresh]
            if payloads:
                access_log.append(
                    session=session,
                    actor=Actor.of(user),
                    action="alerts.push",
                    query={"alerts": [p["id"] for p in payloads]},
                    result_count=len(payloads),
                    justification=alert_service.justification(),
                )
        for payload in payloads:
            self.sent[uuid.UUID(str(payload["id"]))] = dt.datetime.fromisoformat(str(payload["created_at"]))
        return payloads

    def allowed(self) -> bool:
        """Whether the gate would still let this tab in (asked at each heartbeat, when no alert came)."""
        try:
            with transaction(self.factory) as session:
                return self._user(session) is not None
        except OperationalError:  # SQLite busy with a concurrent writer: ask again at the next heartbeat
            return True

    def _user(self, session: Session) -> User | None:
        permission = Permission.ALERTS_VIEW
        return still_allowed(
            session=session, login_id=self.login_id, permission=permission, settings=self.settings
        )

    def _with_row(self, payload: Payload, alert: Alert) -> Payload:
        (row,) = rows_for([alert], self.settings.images_dir)
        zone = self.settings.agency.timezone
        return {**payload, "category_label": row.category, "row": render_row(row, zone)}
