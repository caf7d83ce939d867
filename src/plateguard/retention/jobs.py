"""One whole purge (reads, then the other kinds), and the daily run inside ``plateguard serve``."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from plateguard.config import Settings
from plateguard.database import transaction
from plateguard.retention import purge as reads_purge
from plateguard.retention import purge_other
from plateguard.retention.purge import Progress, PurgeReport
from plateguard.retention.purge_access_log import purge_access_log

logger = logging.getLogger(__name__)
SCHEDULED_RUN_BY = "daily scheduled purge (plateguard serve)"


def purge_everything(
    *, factory: sessionmaker[Session], settings: Settings, run_by: str, progress: Progress | None = None
) -> list[PurgeReport]:
    """Alerts before reads (an alert keeps its read), the access log last (it waits for the reads it
    describes); one access record for the run."""
    others = purge_other.purge_all(factory=factory, settings=settings, run_by=run_by)
    run = reads_purge.PurgeRun(
        factory,
        settings.images_dir,
        run_by,
        batch_size=settings.retention.purge_batch_size,
        pause_seconds=settings.retention.purge_pause_seconds,
        progress=progress,
    )
    reads = reads_purge.purge_reads(run)
    access = purge_access_log(
        factory=factory, data_dir=settings.data_dir, run_by=run_by, organisation=settings.agency.name
    )
    reports = [reads, *others, access]
    with transaction(factory) as session:
        purge_other.log_run(session=session, settings=settings, dry_run=False, reports=reports)
    return reports


class DailyPurge:
    """A background thread of the web server: once a day, at the configured local hour, purge."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, interval: float = 60.0) -> None:
        self.factory, self.settings, self.interval = factory, settings, interval
        self.last_run: dt.date | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="daily-purge", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def due(self, now: dt.datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.settings.agency.timezone))
        return local.hour == self.settings.retention.daily_purge_hour and self.last_run != local.date()

    def run_if_due(self, now: dt.datetime) -> list[PurgeReport] | None:
        if not self.due(now):
            return None
        self.last_run = now.astimezone(ZoneInfo(self.settings.agency.timezone)).date()
        reports = purge_everything(factory=self.factory, settings=self.settings, run_by=SCHEDULED_RUN_BY)
        for line in purge_other.describe(reports, dry_run=False):
            logger.info("purge: %s", line)
        return reports

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_if_due(dt.datetime.now(dt.UTC))
            except Exception:  # the server must outlive a failed purge; tomorrow's run retries
                logger.exception("scheduled purge failed")
