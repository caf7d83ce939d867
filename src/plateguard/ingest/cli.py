"""Command-line doors: ``cameras``, ``mqtt``, ``forward``, ``ingest`` and ``watch``."""

from __future__ import annotations

import logging
import signal
import threading
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
from plateguard.errors import InvalidInput, PlateguardError

cameras_app = typer.Typer(help="Cameras, mobile units and their device tokens.", no_args_is_help=True)
forward_app = typer.Typer(help="Store-and-forward uploader for mobile units.")


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    return stop


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cameras_app.command("add")
@friendly_errors
def cameras_add(
    name: Annotated[str, typer.Argument(help="Camera name, e.g. 'Main St & Yosemite Ave (NB)'.")],
    kind: Annotated[str, typer.Option(help="fixed or mobile")] = "fixed",
    location: Annotated[str, typer.Option(help="Where it is installed.")] = "",
    group: Annotated[str, typer.Option(help="Camera group, e.g. 'Downtown'.")] = "",
    latitude: Annotated[float | None, typer.Option(help="Latitude of a fixed camera.")] = None,
    longitude: Annotated[float | None, typer.Option(help="Longitude of a fixed camera.")] = None,
    interval: Annotated[int, typer.Option(help="Expected minutes between reads (silence notice).")] = 60,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Register a fixed camera or a mobile unit."""
    from plateguard.accounts import service as account_service
    from plateguard.cameras import service as camera_service
    from plateguard.cameras.models import CameraKind
    from plateguard.database import make_session_factory, transaction

    if kind not in ("fixed", "mobile"):
        raise InvalidInput("kind must be fixed or mobile", field="kind")
    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings, prepare=True))) as session:
        agency = account_service.ensure_home_agency(
            session=session, name=settings.agency.name, ori=settings.agency.ori, state=settings.agency.state
        )
        camera_service.create(
            session=session,
            actor=console_actor(settings, "cameras add"),
            agency=agency,
            name=name,
            kind=CameraKind(kind),
            location=location,
            group=group,
            latitude=latitude,
            longitude=longitude,
            expected_interval_minutes=interval,
        )
    typer.echo(f"Camera {name!r} registered.")


@cameras_app.command("token")
@friendly_errors
def cameras_token(
    name: Annotated[str, typer.Argument(help="Camera name.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue a device token for a camera; it is printed once and stored only as a hash."""
    from plateguard.cameras import service as camera_service
    from plateguard.database import make_session_factory, transaction

    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        camera = camera_service.require_by_name(session=session, name=name)
        actor = console_actor(settings, "cameras token")
        row, token = camera_service.issue_token(session=session, actor=actor, camera=camera)
        token_id = row.id
    typer.echo(token)
    typer.echo(
        f"(token {token_id} for {name!r}; shown once, keep it in the device's configuration)", err=True
    )


@cameras_app.command("revoke")
@friendly_errors
def cameras_revoke(
    token_id: Annotated[int, typer.Argument(help="Token number shown when it was issued.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a device token at once."""
    from plateguard.cameras import service as camera_service
    from plateguard.database import make_session_factory, transaction

    settings = settings_from(config, data_dir)
    with transaction(make_session_factory(open_database(settings))) as session:
        actor = console_actor(settings, "cameras revoke")
        camera_service.revoke_token(session=session, actor=actor, token_id=token_id)
    typer.echo(f"Token {token_id} revoked.")


@friendly_errors
def mqtt_command(
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics of the consumer on this port.")
    ] = None,
) -> None:
    """Consume reads from the MQTT broker (plateguard JSON and Frigate LPR events)."""
    from prometheus_client import CollectorRegistry, start_http_server

    from plateguard.database import make_session_factory
    from plateguard.ingest.hooks import read_stored_callback
    from plateguard.ingest.mqtt import Consumer, MqttCounters
    from plateguard.ingest.router import capture_window

    _logging()
    settings = settings_from(config, data_dir)
    engine = open_database(settings)
    registry = CollectorRegistry()
    password = None
    if settings.mqtt.password_file is not None:
        password = settings.mqtt.password_file.read_text().strip()
    consumer = Consumer(
        settings=settings.mqtt,
        factory=make_session_factory(engine),
        images_dir=settings.images_dir,
        counters=MqttCounters(registry),
        on_stored=read_stored_callback(settings),
        password=password,
        window=capture_window(settings),
    )
    if metrics_port is not None:
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
    typer.echo(f"Consuming from {settings.mqtt.host}:{settings.mqtt.port} (Ctrl+C to stop)")
    consumer.run(stop_on_signals())


def _queue(config: Path | None, data_dir: Path | None):  # type: ignore[no-untyped-def]
    from plateguard.ingest.forward import QUEUE_FILE, ForwardQueue

    settings = settings_from(config, data_dir)
    return ForwardQueue(settings.data_dir / QUEUE_FILE)


@forward_app.callback(invoke_without_command=True)
@friendly_errors
def forward(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="Server URL, e.g. https://alpr.example.gov")] = None,
    token: Annotated[str | None, typer.Option(help="This unit's device token.")] = None,
    token_file: Annotated[Path | None, typer.Option(help="File holding the device token.")] = None,
    until_empty: Annotated[bool, typer.Option(help="Exit once the queue is empty.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Upload queued reads in order whenever the server is reachable; keep them until acknowledged."""
    if ctx.invoked_subcommand is not None:
        return
    from plateguard.ingest.forward import Forwarder

    if token_file is not None:
        token = token_file.read_text().strip()
    if not to or not token:
        raise PlateguardError("give --to URL and --token (or --token-file)")
    _logging()
    queue = _queue(config, data_dir)
    forwarder = Forwarder(queue, url=to, token=token)
    typer.echo(f"{len(queue)} reads queued; forwarding to {to}")
    forwarder.run(stop_on_signals(), until_empty=until_empty)
    typer.echo(f"{forwarder.uploaded} reads uploaded; {len(queue)} still queued.")


@forward_app.command("enqueue")
@friendly_errors
def forward_enqueue(
    files: Annotated[
        list[Path],
        typer.Argument(
            help='JSON files: one read, {"reads": [...]}, JSON lines, or OpenALPR/Plate Recognizer messages.'
        ),
    ],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Put reads into the local queue (validated first); `plateguard forward` uploads them."""
    from plateguard.ingest.body import parse_json
    from plateguard.ingest.formats import reads_from_any

    queue = _queue(config, data_dir)
    added = 0
    for path in files:
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise PlateguardError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            payloads = [parse_json(text, str(path))]
        except InvalidInput:
            payloads = [parse_json(line, str(path)) for line in text.splitlines() if line.strip()]
        for payload in payloads:
            added += queue.put(reads_from_any(payload))
    typer.echo(f"{added} reads queued ({len(queue)} waiting).")
