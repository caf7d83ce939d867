"""``plateguard purge`` (with ``--dry-run`` and ``check``) and ``plateguard hold``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from plateguard.cli_common import ConfigOption, DataDirOption, friendly_errors, open_database, settings_from
from plateguard.config import Settings
from plateguard.database import make_session_factory, transaction

purge_app = typer.Typer(help="Destroy data past its retention period (and check the image store).")
hold_app = typer.Typer(help="Legal holds: keep reads for a case through every purge.", no_args_is_help=True)


@purge_app.callback(invoke_without_command=True)
@friendly_errors
def purge(
    ctx: typer.Context,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; destroy nothing.")] = False,
) -> None:
    """Destroy expired reads (with their images), alerts, hotlist history, release requests and the
    access log's oldest records."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(config, data_dir)
    if dry_run:
        _dry_run(settings)
        return
    run_purge(settings, run_by="plateguard purge (command line)", show_progress=True)


def _dry_run(settings: Settings) -> None:
    from plateguard.retention import purge as reads_purge
    from plateguard.retention import purge_access_log, purge_other

    factory = make_session_factory(open_database(settings))
    with transaction(factory) as session:
        report = reads_purge.survey(session=session)
        others = purge_other.survey_all(session=session)
        access = purge_access_log.survey(session=session, data_dir=settings.data_dir)
        reports = [report, *others, access]
        purge_other.log_run(session=session, settings=settings, dry_run=True, reports=reports)
    for line in purge_other.describe(reports, dry_run=True):
        typer.echo(line)


def run_purge(settings: Settings, *, run_by: str, show_progress: bool) -> None:
    from plateguard.retention import purge as reads_purge
    from plateguard.retention import purge_other
    from plateguard.retention.jobs import purge_everything

    factory = make_session_factory(open_database(settings))
    with transaction(factory) as session:
        planned = reads_purge.survey(session=session)
    total = max(0, planned.expired - planned.held - planned.kept_for_alerts)
    columns = (TextColumn("Purging expired reads"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not show_progress) as bar:
        task = bar.add_task("reads", total=total)
        reports = purge_everything(
            factory=factory, settings=settings, run_by=run_by, progress=lambda count: bar.advance(task, count)
        )
    for line in purge_other.describe(reports, dry_run=False):
        typer.echo(line)


@purge_app.command("check")
@friendly_errors
def purge_check(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Prove the image store is whole: no file without its row, no row without its file."""
    from plateguard.retention.files import check

    settings = settings_from(config, data_dir)
    report = check(make_session_factory(open_database(settings)), settings.images_dir)
    typer.echo(f"{report.files} image files, {report.rows} image rows.")
    for name in report.orphan_files[:20]:
        typer.echo(f"orphan file (no row): {name}", err=True)
    for name in report.missing_files[:20]:
        typer.echo(f"missing file (row without file): {name}", err=True)
    if not report.clean:
        typer.echo(
            f"NOT CLEAN: {len(report.orphan_files)} orphan files, {len(report.missing_files)} missing files "
            "(run `plateguard purge` to finish an interrupted purge)",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("Image store clean: every file has its row and every row its file.")


UserOption = Annotated[
    str, typer.Option("--as", help="Username of the person doing this (needs evidence:hold).")
]


@hold_app.command("place")
@friendly_errors
def hold_place(
    case: Annotated[str, typer.Option("--case", help="Case number.")],
    reason: Annotated[
        str, typer.Option(help="evidence, litigation, discovery_request, public_records_request.")
    ],
    requester: Annotated[str, typer.Option(help="Who asked for the hold.")],
    username: UserOption,
    plate: Annotated[str | None, typer.Option(help="Plate (or pattern with ? and *).")] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="From (UTC).")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="Until (UTC).")] = None,
    detail: Annotated[str, typer.Option(help="More about the hold.")] = "",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Hold the reads a search finds under a case number."""
    from plateguard.cli_support import acting_user
    from plateguard.reads.search.forms import validated
    from plateguard.retention import holds
    from plateguard.retention.schemas import HoldCreate

    settings = settings_from(config, data_dir)
    utc = [
        moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment
        for moment in (since, until)
    ]
    criteria = {"plate": plate, "since": utc[0], "until": utc[1]}
    match = "partial" if plate and ("*" in plate or "?" in plate) else "exact"
    form = validated(
        HoldCreate,
        {
            "case_number": case,
            "reason": reason,
            "requester": requester,
            "detail": detail,
            "criteria": {k: v for k, v in criteria.items() if v is not None} | {"match": match},
        },
    )
    with transaction(make_session_factory(open_database(settings))) as session:
        actor = acting_user(session, username, "evidence:hold", today=settings.agency.today())
        hold = holds.place(session=session, actor=actor, form=form)
        typer.echo(f"Hold {hold.id} placed on {len(hold.reads)} reads for case {hold.case_number}.")


@hold_app.command("release")
@friendly_errors
def hold_release(
    hold_id: Annotated[int, typer.Argument(help="Hold number.")],
    reason: Annotated[str, typer.Option(help="Why the hold ends.")],
    username: UserOption,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Release a hold, with the reason in the access log."""
    from plateguard.cli_support import acting_user
    from plateguard.retention import holds

    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        actor = acting_user(session, username, "evidence:hold", today=settings.agency.today())
        hold = holds.release(session=session, actor=actor, hold_id=hold_id, reason=reason)
        typer.echo(f"Hold {hold.id} (case {hold.case_number}) released.")


@hold_app.command("list")
@friendly_errors
def hold_list(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """List the holds, active and released."""
    from plateguard.retention import holds

    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        for hold in holds.list_(session=session):
            state = "active" if hold.active else f"released {hold.released_at:%Y-%m-%d} by {hold.released_by}"
            typer.echo(f"{hold.id}\t{hold.case_number}\t{hold.reason}\t{len(hold.reads)} reads\t{state}")
