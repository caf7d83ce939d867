"""What happens to each newly stored read inside the ingest transaction: hotlist matching, and the
webhook and e-mail deliveries of its alerts (an outbox the delivery worker sends from).

Every door (HTTP, MQTT, CLI ingest and watch) asks ``read_stored_callback`` for its callback, so a read
and the alerts it raises are committed together, whichever door it came through.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateguard.config import Settings
from plateguard.hotlists.live import LiveMatcher
from plateguard.ingest.service import OnStored
from plateguard.reads.stored import StoredRead


def read_stored_callback(settings: Settings, *, matcher: LiveMatcher | None = None) -> OnStored:
    """A ``(session, rows) -> None`` that matches new reads against every live hotlist and raises alerts.

    The web application passes its own ``LiveMatcher`` (shared with the hotlist pages); other processes
    get one of their own, which reloads when any list changes.
    """
    from plateguard.alerts import delivery
    from plateguard.alerts.service import process_new_reads

    live = matcher or LiveMatcher()
    targets = delivery.targets_from(settings.alerts)

    def on_stored(session: Session, reads: list[StoredRead]) -> None:
        alerts = process_new_reads(session=session, reads=reads, matcher=live)
        if alerts and targets:
            delivery.enqueue(session=session, alerts=alerts, targets=targets)

    return on_stored
