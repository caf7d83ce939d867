"""Plumbing shared by every ``plateguard`` command: the common options, one-line errors, settings and the
one way a command opens the database. It imports no command module, so any of them can import it."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from sqlalchemy import Engine

from plateguard.config import Settings, load_settings
from plateguard.errors import PlateguardError

if TYPE_CHECKING:
    from plateguard.access_log.service import Actor

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="plateguard.toml to read (else $PLATEGUARD_CONFIG).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default from the configuration).")
]


def friendly_errors(command: F) -> F:
    """Turn plateguard's own errors into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import InterfaceError, OperationalError

        try:
            return command(*args, **kwargs)
        except PlateguardError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
        except (OperationalError, InterfaceError) as exc:  # the database failed mid-command
            from plateguard.web.errors import database_fault

            fault = database_fault(exc)
            first_line = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            reason = f"the database {fault}" if fault else f"database error: {first_line}"
            typer.echo(f"error: {reason}; nothing was changed", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def settings_from(config: Path | None, data_dir: Path | None, **overrides: Any) -> Settings:
    values = {key: value for key, value in overrides.items() if value is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return load_settings(config_file=config, overrides=values)


def open_database(settings: Settings, *, prepare: bool = False) -> Engine:
    """The configured database, or one clear line saying it cannot be reached. ``prepare`` also creates
    the data directory and its secrets and brings the schema up to date (commands that may run first)."""
    if prepare:
        from plateguard import bootstrap

        return bootstrap.prepare(settings)
    from plateguard.database import check_connection, make_engine

    engine = make_engine(settings.resolved_database_url)
    check_connection(engine)
    return engine


def console_operator() -> str:
    """The login name of the person at the server's console."""
    try:
        return getpass.getuser()[:40]
    except (KeyError, OSError):
        return "unknown"


def console_actor(settings: Settings, command: str) -> Actor:
    """Who the access record names for a command run at the server's console without a plateguard
    account: the operating-system login of the person who ran it (only they can run it there)."""
    from plateguard.access_log.service import Actor

    return Actor(f"system:cli:{console_operator()}", f"plateguard {command}", settings.agency.name, "system")
