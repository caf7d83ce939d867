"""``plateguard dead-letters list|replay|discard``: messages a consumer kept, not stored."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from plateguard.cli_common import (
    ConfigOption,
    DataDirOption,
    console_actor,
    friendly_errors,
    open_database,
    settings_from,
)
from plateguard.config import Settings

dead_letters_app = typer.Typer(
    help="Messages a consumer could not store (kept with their reason): list, replay, discard.",
    no_args_is_help=True,
)
LetterIds = Annotated[list[int], typer.Argument(help="Dead letter numbers, as `list` shows them.")]


def _factory(settings: Settings) -> sessionmaker[Session]:
    from plateguard.database import make_session_factory

    return make_session_factory(open_database(settings, prepare=True))


@dead_letters_app.command("list")
@friendly_errors
def list_command(
    all_: Annotated[bool, typer.Option("--all", help="Also those replayed or discarded.")] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Show the messages waiting (newest first): when, where from, and why they were not stored."""
    from plateguard.database import transaction
    from plateguard.ingest import dead_letters
    from plateguard.ingest.models import DeadLetterStatus

    settings = settings_from(config, data_dir)
    table = Table("No.", "Received (UTC)", "Source", "Topic", "Status", "Reason")
    with transaction(_factory(settings)) as session:
        status = None if all_ else DeadLetterStatus.WAITING
        letters = dead_letters.list_(session=session, status=status, limit=1000)
        for letter in letters:
            table.add_row(
                str(letter.id),
                f"{letter.received_at:%Y-%m-%d %H:%M:%S}",
                letter.source,
                letter.topic,
                letter.status,
                letter.reason,
            )
    Console().print(table)
    typer.echo(f"{len(letters)} dead letters{'' if all_ else ' waiting'}.")


@dead_letters_app.command("replay")
@friendly_errors
def replay_command(
    letter_ids: LetterIds, config: ConfigOption = None, data_dir: DataDirOption = None
) -> None:
    """Store the messages again (after the camera was registered, say); those that still fail stay."""
    from plateguard.database import transaction
    from plateguard.ingest import dead_letters
    from plateguard.ingest.hooks import read_stored_callback
    from plateguard.ingest.mqtt import MessageStore
    from plateguard.ingest.router import capture_window

    settings = settings_from(config, data_dir)
    store = MessageStore(
        settings.mqtt.frigate_topics,
        settings.images_dir,
        read_stored_callback(settings),
        capture_window(settings),
    )
    failed = 0
    with transaction(_factory(settings)) as session:
        for letter_id in letter_ids:
            outcome = dead_letters.replay(
                session=session,
                letter_id=letter_id,
                actor=console_actor(settings, "dead-letters replay"),
                store=store,
            )
            failed += not outcome.stored
            typer.echo(
                f"{letter_id}: {'replayed, ' if outcome.stored else 'still not stored: '}{outcome.detail}"
            )
    if failed:
        raise typer.Exit(1)


@dead_letters_app.command("discard")
@friendly_errors
def discard_command(
    letter_ids: LetterIds, config: ConfigOption = None, data_dir: DataDirOption = None
) -> None:
    """Give the messages up: their content is erased, the record of why they failed is kept."""
    from plateguard.database import transaction
    from plateguard.ingest import dead_letters

    settings = settings_from(config, data_dir)
    with transaction(_factory(settings)) as session:
        for letter_id in letter_ids:
            dead_letters.discard(
                session=session, letter_id=letter_id, actor=console_actor(settings, "dead-letters discard")
            )
    typer.echo(f"{len(letter_ids)} dead letters discarded.")
