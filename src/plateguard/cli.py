"""The ``plateguard`` command line. User mistakes end in one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from plateguard.cli_common import (
    ConfigOption,
    DataDirOption,
    console_actor,
    friendly_errors,
    open_database,
    settings_from,
)
from plateguard.config import Settings
from plateguard.errors import PlateguardError

app = typer.Typer(help="plateguard: automated license plate reading under Policy 460.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        try:
            return password_file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise PlateguardError(f"cannot read password file {password_file}: {exc.strerror}") from exc
    return str(typer.prompt("Administrator password", hide_input=True, confirmation_prompt=True))


@app.command()
@friendly_errors
def init(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    admin_username: Annotated[str, typer.Option(help="Username of the first ALPR Administrator.")] = "admin",
    admin_password_file: Annotated[
        Path | None, typer.Option(help="File holding the Administrator's password (else a prompt).")
    ] = None,
    admin_name: Annotated[
        str, typer.Option(help="Full name of the ALPR Administrator.")
    ] = "ALPR Administrator",
    admin_title: Annotated[
        str, typer.Option(help="Job title shown on the policy page.")
    ] = "Police Lieutenant",
    admin_trained_on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Date the Administrator completed the required training."),
    ] = None,
    training_statement: Annotated[
        str,
        typer.Option(help="The Administrator's statement of that training (course, trainer); shown as such."),
    ] = "",
) -> None:
    """Create the data directory, run migrations and create the first ALPR Administrator.

    Nobody else can record the first Administrator's training, so it may be given here, on their own
    statement; the training pages mark it as such. Everyone else's training is recorded by another person.
    """
    from plateguard import bootstrap

    if (admin_trained_on is None) != (not training_statement.strip()):
        raise PlateguardError("give --admin-trained-on and --training-statement together")
    statement = (
        bootstrap.TrainingStatement(admin_trained_on.date(), training_statement) if admin_trained_on else None
    )
    settings = settings_from(config, data_dir)
    engine = open_database(settings, prepare=True)
    password = _read_password(admin_password_file)
    created = bootstrap.initialise(
        settings,
        engine=engine,
        actor=console_actor(settings, "init"),
        admin_username=admin_username,
        admin_password=password,
        admin_name=admin_name,
        admin_title=admin_title,
        training_statement=statement,
    )
    state = f"Administrator {admin_username!r} created" if created else "accounts already exist; none created"
    typer.echo(f"Initialised {settings.data_dir.resolve()}: {state}.")


@app.command()
@friendly_errors
def serve(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Serve the web console and the APIs with Uvicorn."""
    settings = settings_from(config, data_dir)
    run_server(settings, host=host or settings.server.host, port=port or settings.server.port)


def run_server(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from plateguard.access_log.checkpoints import CheckpointWriter
    from plateguard.bootstrap import ensure_data_dir
    from plateguard.main import create_app

    ensure_data_dir(settings.data_dir)
    application = create_app(settings)
    audit = settings.audit
    checkpoints = CheckpointWriter(
        application.state.engine, settings.data_dir, audit.checkpoint_minutes, audit.checkpoint_syslog
    )
    checkpoints.start()
    from plateguard.web.hardening import uvicorn_log_config

    trusted = settings.server.forwarded_allow_ips
    try:
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_level="info",
            log_config=uvicorn_log_config(),
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or None,
        )
    finally:
        checkpoints.stop()


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Apply all database migrations."""
    from plateguard.database import current_revision

    engine = open_database(settings_from(config, data_dir), prepare=True)
    typer.echo(f"Database at revision {current_revision(engine)}.")


@db_app.command("app-role")
@friendly_errors
def db_app_role(
    role: Annotated[str, typer.Argument(help="Role the application connects as (PostgreSQL).")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """PostgreSQL: grant the application's own role what it needs, but never UPDATE or DELETE of access
    records (run as the schema owner; then connect the application as a login role that is a member)."""
    from plateguard.access_log.database_roles import grant_application_role

    for statement in grant_application_role(open_database(settings_from(config, data_dir)), role):
        typer.echo(statement)


@app.command()
@friendly_errors
def demo(
    data_dir: DataDirOption = None,
    host: Annotated[str, typer.Option(help="Listen address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Listen port.")] = 8460,
    serve_console: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
) -> None:
    """Load demo cameras, hotlists and reads into a throw-away data directory and serve the console.

    Without --data-dir the directory is a new temporary one, removed again when the demo stops."""
    import shutil

    from plateguard import demo as demo_data
    from plateguard.demo_tour import tour_lines

    settings, logins = demo_data.build(data_dir)
    try:
        url = f"http://{host}:{port}/"
        kept = "kept" if data_dir else "removed when the demo stops"
        typer.echo(f"Demo data in {settings.data_dir.resolve()} ({kept})")
        typer.echo("Demo logins (username / password / roles):")
        for login in logins:
            typer.echo(f"  {login.username:<13} {login.password:<24} {login.roles}")
        typer.echo(f"Tour ({url}):")
        for line in tour_lines(settings):
            typer.echo(f"  {line}")
        typer.echo("More to try:")
        for step in demo_data.MORE_TO_TRY:
            typer.echo(f"  {step}")
        if serve_console:
            typer.echo(f"Console: {url}  (Ctrl+C to stop)")
            run_server(settings, host=host, port=port)
    finally:
        if data_dir is None:
            shutil.rmtree(settings.data_dir, ignore_errors=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


audit_app = typer.Typer(help="Access-log audit commands.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
@friendly_errors
def audit_verify(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Check the whole hash chain of the access log and every signed checkpoint; exit 1 naming the first
    record that disagrees."""
    import time

    from plateguard.access_log.verify import verify_chain

    settings = settings_from(config, data_dir)
    engine = open_database(settings)
    started = time.perf_counter()
    report = verify_chain(engine, settings.data_dir)
    elapsed = time.perf_counter() - started
    if report.problem is not None:
        where = f" (row id {report.problem.record_id})" if report.problem.record_id is not None else ""
        typer.echo(f"BROKEN at record {report.problem.sequence}{where}: {report.problem.problem}", err=True)
        raise typer.Exit(1)
    purged = (
        f" (records 1 to {report.purged_through} destroyed by the retention purge; checked from the signed "
        "anchor after them)"
        if report.purged_through
        else ""
    )
    typer.echo(
        f"Access log intact: {report.records} records checked in {elapsed:.2f} s against "
        f"{report.checkpoints} signed checkpoints{purged}; head {report.head_hash}"
    )


@audit_app.command("checkpoint")
@friendly_errors
def audit_checkpoint(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Sign the access log's current head and append it to <data-dir>/audit/checkpoints.jsonl."""
    from plateguard.access_log.checkpoints import checkpoint_path, write_checkpoint

    settings = settings_from(config, data_dir)
    written = write_checkpoint(
        open_database(settings), settings.data_dir, syslog=settings.audit.checkpoint_syslog
    )
    if written is None:
        typer.echo("No new access records since the last checkpoint; nothing written.")
        return
    typer.echo(
        f"Checkpoint at record {written.sequence} ({written.record_hash}) appended to "
        f"{checkpoint_path(settings.data_dir)}"
    )


accounts_app = typer.Typer(help="Account housekeeping.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("suspend-inactive")
@friendly_errors
def accounts_suspend_inactive(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Suspend accounts unused for longer than security.inactivity_suspend_days (run it daily)."""
    from plateguard.accounts.administration import suspend_inactive
    from plateguard.database import make_session_factory, transaction

    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        names = suspend_inactive(session=session, days=settings.security.inactivity_suspend_days)
    typer.echo(f"Suspended {len(names)} account(s){': ' + ', '.join(names) if names else ''}.")


@accounts_app.command("unlock")
@friendly_errors
def accounts_unlock(
    username: Annotated[str, typer.Argument(help="Account to unlock, e.g. the ALPR Administrator's.")],
    reason: Annotated[str, typer.Option(help="Why, for the access log.")] = "unlocked at the console",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Lift a sign-in lock on an account (every address); written to the access log."""
    from plateguard.accounts.cli import run_unlock

    typer.echo(run_unlock(settings_from(config, data_dir), username=username, reason=reason))


@accounts_app.command("reset-two-factor")
@friendly_errors
def accounts_reset_two_factor(
    username: Annotated[str, typer.Argument(help="Account whose authenticator was lost.")],
    reason: Annotated[
        str, typer.Option(help="Why, for the access log.")
    ] = "authenticator lost, reset at the console",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Turn off an account's two-factor sign-in (a lost phone) and sign it out; written to the access log."""
    from plateguard.accounts.cli import run_reset_two_factor

    typer.echo(run_reset_two_factor(settings_from(config, data_dir), username=username, reason=reason))


hotlist_app = typer.Typer(
    help="Hotlist commands: import a hot file, refresh configured lists.", no_args_is_help=True
)
app.add_typer(hotlist_app, name="hotlist")


@hotlist_app.command("import")
@friendly_errors
def hotlist_import(
    file: Annotated[Path, typer.Argument(help="Hot file to load (plain, .zip or .gz).")],
    list_name: Annotated[str, typer.Option("--list", help="Name of the hotlist to replace.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, ncic, ncic-csv, clew or genetec (else the list's).")
    ] = None,
    category: Annotated[str, typer.Option(help="Category for rows that do not name one.")] = "other",
    confirm_shrink: Annotated[
        bool, typer.Option("--confirm-shrink", help="Replace the list even if the file empties or halves it.")
    ] = False,
) -> None:
    """Replace a hotlist with a file, atomically: a malformed line aborts and nothing changes."""
    from plateguard.hotlists.cli import run_import

    def ask(message: str) -> bool:
        if not sys.stdin.isatty():
            return False  # a scheduled job never confirms on its own: the refusal stands
        typer.echo(message, err=True)
        return bool(typer.confirm("Replace the list anyway?", default=False))

    run_import(
        settings_from(config, data_dir),
        file=file,
        list_name=list_name,
        fmt=file_format,
        category=category,
        confirm_shrink=confirm_shrink,
        confirm=ask,
    )


@hotlist_app.command("refresh")
@friendly_errors
def hotlist_refresh(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Reload every list that names a refresh file or URL; notify the Administrator of failures."""
    from plateguard.hotlists.cli import run_refresh

    if not run_refresh(settings_from(config, data_dir)):
        raise typer.Exit(1)


alerts_app = typer.Typer(help="Alert commands: send alerts to webhooks and e-mail.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("deliver")
@friendly_errors
def alerts_deliver(config: ConfigOption = None, data_dir: DataDirOption = None) -> None:
    """Send the alert webhooks and e-mail that are due (the web server also does this every second)."""
    from plateguard.alerts.delivery import deliver_due
    from plateguard.database import make_session_factory

    settings = settings_from(config, data_dir)
    report = deliver_due(factory=make_session_factory(open_database(settings)), settings=settings)
    for error in report.errors:
        typer.echo(f"not delivered: {error}", err=True)
    typer.echo(f"Sent {report.sent}; {report.retrying} to retry; {report.failed} given up.")
    if report.failed:
        raise typer.Exit(1)


places_app = typer.Typer(help="Address points for canvass searches around an address.", no_args_is_help=True)
app.add_typer(places_app, name="places")


@places_app.command("import")
@friendly_errors
def places_import(
    file: Annotated[Path, typer.Argument(help="CSV with address, latitude and longitude columns.")],
    source: Annotated[str, typer.Option(help="Where the file came from, e.g. 'County GIS 2026-11'.")] = "",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add or update address points from the city's or county's address-point file (CSV)."""
    from plateguard.database import make_session_factory, transaction
    from plateguard.errors import InvalidInput
    from plateguard.places import service as places

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", field="file") from exc
    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        report = places.import_csv(
            session=session,
            actor=console_actor(settings, "places import"),
            data=data,
            source=source or file.name,
        )
    typer.echo(f"{report.added} address points added, {report.updated} updated.")


def _register_domain_commands() -> None:
    """Every command that lives in its domain's package, registered here and nowhere else."""
    from plateguard.audits.cli import register as register_audit_commands
    from plateguard.evidence.cli import evidence_app
    from plateguard.ingest.cli import cameras_app, forward_app, mqtt_command
    from plateguard.ingest.dead_letters_cli import dead_letters_app
    from plateguard.ingest.media_cli import ingest_command, watch_command
    from plateguard.recognition.cli import recognize
    from plateguard.retention.cli import hold_app, purge_app

    app.add_typer(cameras_app, name="cameras")
    app.add_typer(forward_app, name="forward")
    app.command("mqtt")(mqtt_command)
    app.add_typer(dead_letters_app, name="dead-letters")
    app.command("ingest")(ingest_command)
    app.command("watch")(watch_command)
    app.add_typer(purge_app, name="purge")
    app.add_typer(hold_app, name="hold")
    app.add_typer(evidence_app, name="evidence")
    app.command("recognize")(recognize)
    register_audit_commands(audit_app)


_register_domain_commands()
