"""Importing a hot file and the scheduled refresh of lists that name a file path or URL.

A refresh that fails, or a list older than its ``max_age_hours``, leaves a notice for the ALPR
Administrator (shown on the hotlists page) and an access-log event; the old list stays live.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log import service as access_log
from plateguard.access_log.service import Actor
from plateguard.database import transaction, utcnow
from plateguard.errors import InvalidInput, PlateguardError
from plateguard.hotlists import formats, partials
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import Hotlist, HotlistCategory, HotlistNotice

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024


def read_source(location: str) -> bytes:
    """A local path or an http(s) URL; zip (first member) and gzip are unpacked."""
    if location.startswith(("http://", "https://")):
        with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310 - scheme checked above
            data: bytes = response.read(MAX_DOWNLOAD_BYTES + 1)
    else:
        try:
            data = Path(location).read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot read {location}: {exc.strerror}", field="file") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise InvalidInput(f"{location} is larger than {MAX_DOWNLOAD_BYTES} bytes", field="file")
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if not names:
                raise InvalidInput(f"{location} is an empty zip file", field="file")
            return archive.read(names[0])
    return data


@dataclass(frozen=True)
class ImportReport:
    hotlist: str
    entries: int
    skipped: int


def import_bytes(
    *,
    session: Session,
    actor: Actor,
    hotlist: Hotlist,
    data: bytes,
    source_name: str,
    file_format: str | None = None,
    default_category: HotlistCategory = HotlistCategory.OTHER,
    progress: Callable[[int, int], None] | None = None,
    purpose: str | None = None,
    may_enter_partial: bool = False,
) -> ImportReport:
    """Parse the whole file first; only a fully parsed file replaces the list. Partial plates in it follow
    the same rule as one entered by hand (``partials``): the importer's permission, and per row a case
    number and an expiry, with the import's purpose."""
    lines = list(formats.decode_lines(data))
    if progress:
        progress(0, len(lines))
    parsed = formats.parse(
        file_format or hotlist.file_format, lines, file_name=source_name, default_category=default_category
    )
    partials.check_file(parsed, purpose=purpose, may_enter_partial=may_enter_partial)
    if progress:
        progress(len(lines) // 2, len(lines))
    count = hotlist_service.replace_entries(
        session=session, actor=actor, hotlist=hotlist, parsed=parsed, source_name=source_name
    )
    if progress:
        progress(len(lines), len(lines))
    return ImportReport(hotlist.name, count, parsed.skipped)


def add_notice(*, session: Session, hotlist: Hotlist | None, kind: str, message: str) -> HotlistNotice:
    notice = HotlistNotice(hotlist_id=hotlist.id if hotlist else None, kind=kind, message=message)
    session.add(notice)
    session.flush()
    return notice


def open_notices(*, session: Session) -> list[HotlistNotice]:
    query = select(HotlistNotice).where(HotlistNotice.resolved_at.is_(None))
    return list(session.scalars(query.order_by(HotlistNotice.created_at.desc())))


def refresh_all(
    *, factory: sessionmaker[Session], organisation: str, now: dt.datetime | None = None
) -> list[str]:
    """Refresh every list with a ``refresh_path``, each in its own transaction; report one line each."""
    with transaction(factory) as session:
        targets = [(h.id, h.name) for h in session.scalars(select(Hotlist).order_by(Hotlist.name))]
    actor = Actor.system(organisation, "hotlist refresh")
    lines = []
    for hotlist_id, name in targets:
        lines.append(_refresh_one(factory=factory, actor=actor, hotlist_id=hotlist_id, name=name))
    with transaction(factory) as session:
        lines += check_ages(session=session, actor=actor, now=now)
    return [line for line in lines if line]


def _refresh_one(*, factory: sessionmaker[Session], actor: Actor, hotlist_id: int, name: str) -> str:
    try:
        with transaction(factory) as session:
            hotlist = hotlist_service.get(session=session, hotlist_id=hotlist_id)
            if not hotlist.refresh_path:
                return ""
            data = read_source(hotlist.refresh_path)
            report = import_bytes(
                session=session, actor=actor, hotlist=hotlist, data=data, source_name=hotlist.refresh_path
            )
            _resolve_notices(session=session, hotlist=hotlist)
        return f"{name}: {report.entries} entries loaded ({report.skipped} skipped)"
    except (PlateguardError, OSError) as exc:
        message = exc.message if isinstance(exc, PlateguardError) else str(exc)
        with transaction(factory) as session:
            hotlist = hotlist_service.get(session=session, hotlist_id=hotlist_id)
            hotlist.last_refresh_error = message
            add_notice(session=session, hotlist=hotlist, kind="refresh_failed", message=f"{name}: {message}")
            access_log.append(
                session=session,
                actor=actor,
                action="hotlists.refresh",
                query={"hotlist": name, "error": message},
                outcome="failed",
            )
        return f"{name}: refresh FAILED: {message}"


def _resolve_notices(*, session: Session, hotlist: Hotlist) -> None:
    for notice in session.scalars(
        select(HotlistNotice).where(
            HotlistNotice.hotlist_id == hotlist.id, HotlistNotice.resolved_at.is_(None)
        )
    ):
        notice.resolved_at = utcnow()


def check_ages(*, session: Session, actor: Actor, now: dt.datetime | None = None) -> list[str]:
    """A notice for every list older than its maximum age (or never loaded)."""
    now = now or utcnow()
    lines = []
    for hotlist in session.scalars(select(Hotlist).where(Hotlist.refresh_path.is_not(None))):
        loaded = hotlist.last_loaded_at
        if loaded is not None and now - loaded <= dt.timedelta(hours=hotlist.max_age_hours):
            continue
        age = "never loaded" if loaded is None else f"last loaded {loaded:%Y-%m-%d %H:%M} UTC"
        message = f"{hotlist.name}: list is stale ({age}; allowed age {hotlist.max_age_hours} h)"
        add_notice(session=session, hotlist=hotlist, kind="stale", message=message)
        access_log.append(
            session=session, actor=actor, action="hotlists.stale", query={"hotlist": hotlist.name}
        )
        lines.append(message)
    return lines
