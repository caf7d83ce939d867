"""What happens to each newly stored read inside the ingest transaction: hotlist matching.

Every door (HTTP, MQTT, CLI ingest and watch) asks ``read_stored_callback`` for its callback, so a read
and the alerts it raises are committed together, whichever door it came through.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateguard.config import Settings
from plateguard.hotlists.live import LiveMatcher
from plateguard.ingest.service import OnStored
from plateguard.reads.models import PlateRead


def read_stored_callback(settings: Settings, *, matcher: LiveMatcher | None = None) -> OnStored:
    """A ``(session, read) -> None`` that matches the read against every live hotlist and raises alerts.

    The web application passes its own ``LiveMatcher`` (shared with the hotlist pages); other processes
    get one of their own, which reloads when any list changes.
    """
    del settings
    live = matcher or LiveMatcher()

    def on_stored(session: Session, read: PlateRead) -> None:
        from plateguard.alerts.service import process_new_read

        process_new_read(session=session, read=read, matcher=live)

    return on_stored
