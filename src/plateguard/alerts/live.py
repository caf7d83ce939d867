"""One check for new alerts per process, shared by every open alert stream.

Each open console tab holds an alert stream that must show a new alert within a second. Asking the database
for each tab's own alerts four times a second costs three queries per tab per tick (the user, the lists they
may see, the alerts), so a shift of patrol cars would keep the database busy with questions whose answer is
nearly always "nothing new". Instead the process asks one cheap question per tick for all tabs (how many
alerts were raised in the last minute and when the newest was) and a tab asks for its own alerts only when
that answer changed since it last asked.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from plateguard.alerts import service as alert_service
from plateguard.alerts.service import Signature
from plateguard.database import transaction, utcnow

POLL_SECONDS = 0.25
"""How often an open alert stream looks for new alerts (a new alert shows within a second)."""
WINDOW = dt.timedelta(seconds=60)
"""Alerts raised this long ago or later make up the signature: longer than any transaction that raises an
alert takes to commit, so a late commit still changes it."""


class AlertSignal:
    """The recent-alerts signature, asked of the database at most once every `every` seconds."""

    def __init__(self, *, every: float = POLL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._every = every
        self._clock = clock
        self._lock = threading.Lock()
        self._asked_at = -float("inf")
        self._value: Signature = (0, None)

    def current(self, factory: sessionmaker[Session]) -> Signature:
        """The latest signature; tabs asking within `every` seconds of each other share one query."""
        with self._lock:
            now = self._clock()
            if now - self._asked_at >= self._every:
                with transaction(factory) as session:
                    self._value = alert_service.recent_signature(session=session, since=utcnow() - WINDOW)
                self._asked_at = now
            return self._value
