"""The work behind ``plateguard hotlist import`` and ``plateguard hotlist refresh``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from plateguard.access_log.service import Actor
from plateguard.config import Settings
from plateguard.database import check_connection, make_engine, make_session_factory, transaction
from plateguard.hotlists import refresh
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistCategory


def run_import(settings: Settings, *, file: Path, list_name: str, fmt: str | None, category: str) -> None:
    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    data = refresh.read_source(str(file))
    actor = Actor.system(settings.agency.name, "hotlist import")
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(f"Importing {file.name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with transaction(make_session_factory(engine)) as session:
            hotlist = hotlist_service.get_by_name(session=session, name=list_name)
            report = refresh.import_bytes(
                session=session,
                actor=actor,
                hotlist=hotlist,
                data=data,
                source_name=file.name,
                file_format=fmt,
                default_category=HotlistCategory(category),
                progress=progress,
            )
    engine.dispose()
    typer.echo(f"{report.hotlist}: {report.entries} entries loaded, {report.skipped} skipped.")


def run_refresh(settings: Settings) -> bool:
    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    lines = refresh.refresh_all(factory=make_session_factory(engine), organisation=settings.agency.name)
    engine.dispose()
    for line in lines:
        typer.echo(line)
    return not any("FAILED" in line or "stale" in line for line in lines)
