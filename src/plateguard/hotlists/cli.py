"""The work behind ``plateguard hotlist import`` and ``plateguard hotlist refresh``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from plateguard.access_log.service import Actor
from plateguard.cli_common import open_database
from plateguard.config import Settings
from plateguard.database import make_session_factory, read_only, transaction
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistCategory
from plateguard.hotlists.parsed import ParsedFile


def run_import(
    settings: Settings,
    *,
    file: Path,
    list_name: str,
    fmt: str | None,
    category: str,
    confirm_shrink: bool = False,
    confirm: Callable[[str], bool] | None = None,
) -> None:
    """Parse first (no transaction open), then replace the rows in one short transaction. A file that
    would shrink the list too far is refused with the counts unless confirmed (flag or prompt)."""
    engine = open_database(settings)
    factory = make_session_factory(engine)
    data = refresh.read_source(str(file))
    with read_only(factory) as session:
        file_format = fmt or hotlist_service.get_by_name(session=session, name=list_name).file_format
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(f"Reading {file.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        parsed = refresh.parse_bytes(
            data,
            file_format=file_format,
            source_name=file.name,
            default_category=HotlistCategory(category),
            progress=progress,
        )
    for row in parsed.skipped_rows:  # reported before anything is replaced
        typer.echo(f"Skipped {row}")
    try:
        report = _replace(settings, factory, list_name, parsed, file.name, confirm_shrink)
    except refresh.ShrinkRefused as refused:
        if confirm is None or not confirm(refused.message):
            raise
        report = _replace(settings, factory, list_name, parsed, file.name, True)
    finally:
        engine.dispose()
    typer.echo(f"{report.hotlist}: {report.entries} entries loaded, {report.skipped} skipped.")
    if report.retroactive_alerts:
        typer.echo(f"{report.retroactive_alerts} retroactive alerts raised from recent reads.")
    if report.hand_entries_ended:
        typer.echo(f"{report.hand_entries_ended} entries made by hand were ended by this import.")


def _replace(
    settings: Settings,
    factory: sessionmaker[Session],
    list_name: str,
    parsed: ParsedFile,
    source_name: str,
    confirm_shrink: bool,
) -> refresh.ImportReport:
    with transaction(factory) as session:
        return refresh.replace_with(
            session=session,
            actor=Actor.system(settings.agency.name, "hotlist import"),
            hotlist=hotlist_service.get_by_name(session=session, name=list_name),
            parsed=parsed,
            source_name=source_name,
            confirm_shrink=confirm_shrink,
            confirm_skipped=True,  # each skipped row was printed above
            max_shrink=settings.hotlists.max_shrink_share,
            retroactive_days=settings.hotlists.retroactive_days,
        )


def run_refresh(settings: Settings) -> bool:
    engine = open_database(settings)
    lines = refresh.refresh_all(
        factory=make_session_factory(engine),
        organisation=settings.agency.name,
        max_shrink=settings.hotlists.max_shrink_share,
        retroactive_days=settings.hotlists.retroactive_days,
        zone=settings.agency.timezone,
    )
    engine.dispose()
    for line in lines:
        typer.echo(line)
    return not any("FAILED" in line or "stale" in line for line in lines)
