"""What happens to each newly stored read inside the ingest transaction (hotlist matching).

Every door (HTTP, MQTT, CLI ingest and watch) asks ``read_stored_callback`` for its callback, so
wiring alert processing here wires it everywhere.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from plateguard.config import Settings
from plateguard.ingest.service import OnStored


def read_stored_callback(settings: Settings, session: Session | None = None) -> OnStored | None:
    """The call site for hotlist alert processing: a ``(session, read) -> None`` run per new read.

    Wire ``alerts.service.process_new_read(session=..., read=..., matcher=...)`` here; until then
    ingest stores reads only.
    """
    del settings, session
    return None
