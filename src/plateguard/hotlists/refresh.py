"""Importing a hot file and the scheduled refresh of lists that name a file path or URL.

A refresh that fails, or a list older than its ``max_age_hours``, leaves a notice for the ALPR
Administrator (shown on the hotlists page) and an access-log event; the old list stays live.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import io
import logging
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor, Justification
from plateguard.database import transaction, utcnow
from plateguard.errors import Conflict, InvalidInput, PlateguardError
from plateguard.hotlists import formats, partials, retro
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.locations import is_url
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistNotice
from plateguard.hotlists.parsed import ParsedFile, SkippedRow

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
MAX_EXPANDED_BYTES = 512 * 1024 * 1024  # the largest real hot file (NCIC extract) is about 100 MB
DEFAULT_MAX_SHRINK = 0.5
DOWNLOAD_TIMEOUT_SECONDS = 60  # a server that stops answering fails the refresh instead of hanging it
LOG = logging.getLogger(__name__)


def read_source(location: str) -> bytes:
    """A local path or an http(s) URL; zip (first member) and gzip are unpacked."""
    if is_url(location):
        data = _download(location)
    else:
        try:
            data = Path(location).read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {location}: {exc.strerror}", field="file") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise InvalidInput(f"{location} is larger than {MAX_DOWNLOAD_BYTES} bytes", field="file")
    return unpack(data, location)


def _download(location: str) -> bytes:
    try:
        with urllib.request.urlopen(location, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked by is_url
            data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
            missing = response.length  # bytes the server announced and did not send (None: not announced)
    except (ValueError, http.client.HTTPException) as exc:  # a malformed URL, a broken response
        raise InvalidInput(f"cannot download {location}: {exc or type(exc).__name__}", field="file") from exc
    if missing and len(data) <= MAX_DOWNLOAD_BYTES:
        # A connection that drops between two lines leaves a shorter file that parses cleanly.
        raise InvalidInput(
            f"cannot download {location}: the connection closed after {len(data)} of the "
            f"{len(data) + missing} bytes announced",
            field="file",
        )
    return data


def unpack(data: bytes, location: str) -> bytes:
    """A gzip or zip hot file's content (a zip's first member), never more than MAX_EXPANDED_BYTES:
    a small archive that expands to gigabytes is refused after reading just past the cap."""
    try:
        if data[:2] == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
                return _capped(packed, location)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
                if not names:
                    raise InvalidInput(f"{location} is an empty zip file", field="file")
                with archive.open(names[0]) as member:
                    return _capped(member, location)
    # RuntimeError: an encrypted member, or (NotImplementedError, a subclass) an unknown compression method
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError) as exc:
        raise InvalidInput(f"{location} is a damaged or unsupported archive: {exc}", field="file") from exc
    return data


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _capped(stream: _Readable, location: str) -> bytes:
    content = stream.read(MAX_EXPANDED_BYTES + 1)
    if len(content) > MAX_EXPANDED_BYTES:
        raise InvalidInput(
            f"{location} expands past {MAX_EXPANDED_BYTES // (1024 * 1024)} MB; refused", field="file"
        )
    return content


class ShrinkRefused(Conflict):
    """A file that would empty a list or shrink it past the configured share, not confirmed."""


class SkippedRowsRefused(Conflict):
    """A file with rows that would be skipped, not yet confirmed: the importer sees each row first."""


SKIPPED_SHOWN = 20


@dataclass(frozen=True)
class ImportReport:
    hotlist: str
    entries: int
    skipped_rows: tuple[SkippedRow, ...]
    retroactive_alerts: int
    hand_entries_ended: int = 0

    @property
    def skipped(self) -> int:
        return len(self.skipped_rows)


def describe_skipped(rows: Sequence[SkippedRow]) -> str:
    """Every skipped row with its line and reason (the first ``SKIPPED_SHOWN``, then how many more)."""
    shown = "; ".join(str(row) for row in rows[:SKIPPED_SHOWN])
    more = len(rows) - SKIPPED_SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def check_skipped(*, parsed: ParsedFile) -> None:
    if not parsed.skipped_rows:
        return
    count = len(parsed.skipped_rows)
    rows = f"{count} row{'s' if count != 1 else ''}"
    raise SkippedRowsRefused(
        f"{rows} of the file would be skipped ({describe_skipped(parsed.skipped_rows)}). "
        f"Nothing was replaced; to load the other {len(parsed.entries)} entries, choose the file again and "
        "confirm the skipped rows.",
        field="file",
    )


def parse_bytes(
    data: bytes,
    *,
    file_format: str,
    source_name: str,
    default_category: HotlistCategory = HotlistCategory.OTHER,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedFile:
    """The parse alone, done before any transaction opens: a long file never holds the write lock."""
    lines = list(formats.decode_lines(data))
    if progress:
        progress(0, len(lines))
    parsed = formats.parse(file_format, lines, file_name=source_name, default_category=default_category)
    if progress:
        progress(len(lines), len(lines))
    return parsed


def replace_with(
    *,
    session: Session,
    actor: Actor,
    hotlist: Hotlist,
    parsed: ParsedFile,
    source_name: str,
    confirm_shrink: bool = False,
    confirm_skipped: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    purpose: str | None = None,
    may_enter_partial: bool = False,
    retroactive_days: int = retro.DEFAULT_DAYS,
) -> ImportReport:
    """Replace the list with a parsed file. Partial plates in it follow the same rule as one entered by
    hand (``partials``): the importer's permission, and per row a case number and an expiry, with the
    import's purpose. Unless confirmed, a file with skipped rows replaces nothing (each row is reported).
    Its new and changed entries are then run against the reads of the last ``retroactive_days`` days, like
    an entry added by hand, and their hits become retroactive alerts (entries already on the list were
    matched when they came)."""
    partials.check_file(parsed, purpose=purpose, may_enter_partial=may_enter_partial)
    hotlist_service.lock_for_change(session=session, hotlist=hotlist)
    if not confirm_skipped:
        check_skipped(parsed=parsed)
    if not confirm_shrink:
        old = hotlist_service.entry_count(session=session, hotlist=hotlist)
        check_shrink(hotlist=hotlist, old=old, new_count=len(parsed.entries), max_shrink=max_shrink)
    replaced = hotlist_service.replace_entries(
        session=session, actor=actor, hotlist=hotlist, parsed=parsed, source_name=source_name
    )
    why = Justification(purpose) if purpose else None
    alerts = retro.run_list_against_reads(
        session=session,
        actor=actor,
        hotlist=hotlist,
        why=why,
        days=retroactive_days,
        entry_ids=replaced.added_ids,
    )
    skipped = tuple(parsed.skipped_rows)
    return ImportReport(hotlist.name, replaced.entries, skipped, len(alerts), replaced.hand_entries_ended)


def check_shrink(*, hotlist: Hotlist, old: int, new_count: int, max_shrink: float) -> None:
    """Refuse a file that would empty the list of ``old`` entries, or cut it by more than ``max_shrink``."""
    if old == 0 or new_count >= old:
        return
    if new_count > 0 and (old - new_count) / old <= max_shrink:
        return
    raise ShrinkRefused(
        f"{hotlist.name}: the file holds {_entries(new_count)} and the list {old}; it would shrink the list "
        f"by {(old - new_count) * 100 // old}% (more than {max_shrink:.0%} needs confirmation, a "
        "truncated download looks like this). Nothing was imported; confirm to replace the list anyway.",
        field="file",
    )


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def add_notice(*, session: Session, hotlist: Hotlist | None, kind: str, message: str) -> HotlistNotice:
    """A new notice, or, while one of the same kind for the same list is open, that one again: its
    message becomes the latest, and it counts how often it was raised and when last (an hourly refresh
    failing for a day leaves one notice, not 24)."""
    hotlist_id = hotlist.id if hotlist else None
    if hotlist is not None:
        hotlist_service.lock_for_change(session=session, hotlist=hotlist)
    same = select(HotlistNotice).where(
        HotlistNotice.kind == kind,
        HotlistNotice.resolved_at.is_(None),
        HotlistNotice.hotlist_id == hotlist_id,  # IS NULL when None
    )
    notice = session.scalars(same.order_by(HotlistNotice.id).limit(1)).first()
    if notice is None:
        notice = HotlistNotice(hotlist_id=hotlist_id, kind=kind, message=message)
        session.add(notice)
    else:
        notice.message, notice.repeats, notice.last_seen_at = message, notice.repeats + 1, utcnow()
    session.flush()
    return notice


def open_notices(*, session: Session) -> list[HotlistNotice]:
    query = select(HotlistNotice).where(HotlistNotice.resolved_at.is_(None))
    return list(session.scalars(query.order_by(HotlistNotice.created_at.desc())))


def refresh_all(
    *,
    factory: sessionmaker[Session],
    organisation: str,
    now: dt.datetime | None = None,
    zone: str = "UTC",
    max_shrink: float = DEFAULT_MAX_SHRINK,
    retroactive_days: int = retro.DEFAULT_DAYS,
) -> list[str]:
    """Refresh every list with a ``refresh_path``, each in its own transaction; report one line each.

    A refresh never confirms a shrinking file: it leaves the old list live and raises the stale alarm.
    """
    with transaction(factory) as session:
        targets = [
            (h.id, h.name, h.refresh_path, h.file_format)
            for h in session.scalars(select(Hotlist).order_by(Hotlist.name))
            if h.refresh_path
        ]
    actor = Actor.system(organisation, "hotlist refresh")
    lines = []
    for hotlist_id, name, location, file_format in targets:
        target = _Target(hotlist_id, name, location or "", file_format)
        lines.append(
            _refresh_one(
                factory=factory,
                actor=actor,
                target=target,
                max_shrink=max_shrink,
                retroactive_days=retroactive_days,
            )
        )
    with transaction(factory) as session:
        lines += check_ages(session=session, actor=actor, now=now, zone=zone)
    return [line for line in lines if line]


@dataclass(frozen=True)
class _Target:
    hotlist_id: int
    name: str
    location: str
    file_format: str


def _refresh_one(
    *, factory: sessionmaker[Session], actor: Actor, target: _Target, max_shrink: float, retroactive_days: int
) -> str:
    try:
        # Download and parse before the transaction: the write lock is held only while rows are replaced.
        data = read_source(target.location)
        parsed = parse_bytes(data, file_format=target.file_format, source_name=target.location)
        with transaction(factory) as session:
            hotlist = hotlist_service.get(session=session, hotlist_id=target.hotlist_id)
            report = replace_with(
                session=session,
                actor=actor,
                hotlist=hotlist,
                parsed=parsed,
                source_name=target.location,
                confirm_skipped=True,  # unattended: the skipped rows are reported in the line below
                max_shrink=max_shrink,
                retroactive_days=retroactive_days,
            )
            _resolve_notices(session=session, hotlist=hotlist)
        ended = f", {report.hand_entries_ended} hand entries ended" if report.hand_entries_ended else ""
        line = f"{target.name}: {report.entries} entries loaded ({report.skipped} skipped{ended})"
        return line + (f": {describe_skipped(report.skipped_rows)}" if report.skipped_rows else "")
    except (PlateguardError, OSError) as exc:
        message = exc.message if isinstance(exc, PlateguardError) else str(exc)
        kind = "stale" if isinstance(exc, ShrinkRefused) else "refresh_failed"
    except Exception as exc:  # one list's unforeseen failure must not stop the refresh of the others
        LOG.exception("refresh of hotlist %s failed", target.name)
        message, kind = f"unexpected error ({type(exc).__name__}): {exc}", "refresh_failed"
    message = message.removeprefix(f"{target.name}: ")  # the shrink refusal names the list itself
    _record_failure(factory, actor, target, kind, message)
    return f"{target.name}: refresh FAILED: {message}"


def _record_failure(
    factory: sessionmaker[Session], actor: Actor, target: _Target, kind: str, message: str
) -> None:
    with transaction(factory) as session:
        hotlist = hotlist_service.get(session=session, hotlist_id=target.hotlist_id)
        hotlist.last_refresh_error = message
        add_notice(session=session, hotlist=hotlist, kind=kind, message=f"{target.name}: {message}")
        access_log.append(
            session=session,
            actor=actor,
            action="hotlists.refresh",
            query={"hotlist": target.name, "error": message},
            outcome="failed",
        )


def _resolve_notices(*, session: Session, hotlist: Hotlist) -> None:
    for notice in session.scalars(
        select(HotlistNotice).where(
            HotlistNotice.hotlist_id == hotlist.id, HotlistNotice.resolved_at.is_(None)
        )
    ):
        notice.resolved_at = utcnow()


def check_ages(
    *, session: Session, actor: Actor, now: dt.datetime | None = None, zone: str = "UTC"
) -> list[str]:
    """A notice for every list older than its maximum age (or never loaded)."""
    now = now or utcnow()
    lines = []
    for hotlist in session.scalars(select(Hotlist).where(Hotlist.refresh_path.is_not(None))):
        loaded = hotlist.last_loaded_at
        if loaded is not None and now - loaded <= dt.timedelta(hours=hotlist.max_age_hours):
            continue
        shown = loaded.astimezone(ZoneInfo(zone)) if loaded is not None else None
        age = "never loaded" if shown is None else f"last loaded {shown:%Y-%m-%d %H:%M %Z}"
        message = f"{hotlist.name}: list is stale ({age}; allowed age {hotlist.max_age_hours} h)"
        add_notice(session=session, hotlist=hotlist, kind="stale", message=message)
        access_log.append(
            session=session, actor=actor, action="hotlists.stale", query={"hotlist": hotlist.name}
        )
        lines.append(message)
    return lines
