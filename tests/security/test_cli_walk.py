"""Every ``plateguard`` command, walked like the routes are: each command that changes data writes its
access record (who, what, when) in the same transaction, whoever runs it at the server's console; each
command that writes none says why. A new command fails here until it is classified."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from plateguard import demo
from plateguard.access_log.guard import system_scope
from plateguard.access_log.models import AccessRecord
from plateguard.accounts.models import User
from plateguard.alerts import delivery
from plateguard.alerts.models import Alert
from plateguard.cli import app
from plateguard.config import load_settings
from plateguard.database import make_engine, make_session_factory, transaction, utcnow
from plateguard.demo_records import EVIDENCE_CASE
from plateguard.demo_refresh import LOADED, hot_file
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.models import HotlistSource
from plateguard.ingest import dead_letters
from plateguard.reads.models import PlateRead
from tests.alerts.test_delivery import Receiver, webhook
from tests.conftest import TEST_ACTOR, TEST_PASSWORD, agency_today

__all__ = ["webhook"]  # the local webhook receiver of the alert tests

WRITES_ITS_RECORD = {
    "init": "account.created",
    "cameras add": "cameras.register",
    "cameras token": "cameras.token_issued",
    "cameras revoke": "cameras.token_revoked",
    "accounts unlock": "account.unlock",
    "accounts reset-two-factor": "account.totp_reset",
    "accounts suspend-inactive": "account.status",
    "places import": "places.imported",
    "hotlist import": "hotlists.import",
    "hotlist refresh": "hotlists.import",  # a failed refresh writes hotlists.refresh
    "dead-letters replay": "dead_letters.replayed",
    "dead-letters discard": "dead_letters.discarded",
    "hold place": "holds.placed",
    "hold release": "holds.released",
    "evidence export": "evidence.exported",
    "purge": "retention.purged",
    "alerts deliver": "alerts.delivered",
    "audit report": "audit.report",  # changes nothing, but reads ALPR data: an access like any other
}
"""Commands that change plateguard's data or read ALPR data, and the access record each one must write."""

WRITES_NO_RECORD = {
    "serve": "serves the console; each request writes its own records",
    "demo": "fills a throw-away demo data directory",
    "recognize": "reads image files and prints plates; stores nothing",
    "db upgrade": "changes the schema, not the data",
    "db app-role": "grants database privileges to a role; no plateguard data",
    "audit verify": "checks the access log's hash chain; changes nothing",
    "audit checkpoint": "signs the access log's head into the checkpoint file",
    "mqtt": "stores camera reads as they arrive (collection, not an access)",
    "ingest": "stores the reads recognized in image or video files (collection)",
    "watch": "stores the reads recognized in a folder or stream (collection)",
    "forward": "uploads queued reads to the server (collection)",
    "forward enqueue": "queues reads on a mobile unit (collection)",
    "dead-letters list": "lists the messages that could not be stored; changes nothing",
    "purge check": "compares the image store with the database; changes nothing",
    "hold list": "lists the holds; changes nothing",
    "evidence verify": "checks a package's signature; changes nothing",
}


def command_names(command: object, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Every command a user can run, by its full name ("cameras token"); a group that runs on its own
    (``plateguard purge``) counts as a command too."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        yield " ".join(prefix)
        return
    if prefix and getattr(command, "invoke_without_command", False):
        yield " ".join(prefix)
    for name, sub in subcommands.items():
        yield from command_names(sub, (*prefix, name))


def test_every_command_is_classified() -> None:
    names = set(command_names(typer.main.get_command(app)))
    assert not set(WRITES_ITS_RECORD) & set(WRITES_NO_RECORD)
    assert names == set(WRITES_ITS_RECORD) | set(WRITES_NO_RECORD)


@dataclass
class Console:
    """The server's console: runs commands against one data directory, reads its access log."""

    data_dir: Path
    runner: CliRunner

    def run(self, *args: str) -> str:
        result = self.runner.invoke(app, [*args, "--data-dir", str(self.data_dir)])
        assert result.exit_code == 0, f"plateguard {' '.join(args)}: {result.output}"
        return result.output

    def database(self) -> sessionmaker[Session]:
        settings = load_settings(overrides={"data_dir": self.data_dir})
        return make_session_factory(make_engine(settings.resolved_database_url))

    def last_sequence(self) -> int:
        factory = self.database()
        with transaction(factory) as session:
            last = session.scalar(select(func.max(AccessRecord.sequence))) or 0
        factory.kw["bind"].dispose()
        return last

    def records_since(self, sequence: int) -> list[AccessRecord]:
        factory = self.database()
        with transaction(factory) as session:
            query = select(AccessRecord).where(AccessRecord.sequence > sequence)
            records = list(session.scalars(query.order_by(AccessRecord.sequence)))
        factory.kw["bind"].dispose()
        return records


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: Receiver
) -> Console:
    url = request.getfixturevalue("own_postgres_url") if request.param == "postgresql" else None
    for name in [name for name in os.environ if name.startswith("PLATEGUARD_")]:
        monkeypatch.delenv(name)
    if url is not None:
        monkeypatch.setenv("PLATEGUARD_DATABASE_URL", url)
    monkeypatch.setenv("PLATEGUARD_ALERTS__WEBHOOKS", f'[{{"url": "{webhook.url}"}}]')
    return Console(tmp_path / "data", CliRunner())


def test_every_state_changing_command_writes_its_access_record(console: Console, tmp_path: Path) -> None:
    written: dict[str, list[str]] = {}
    for command, step in walk(console, tmp_path):
        before = console.last_sequence() if command != "init" else 0  # no database before init
        step()
        records = console.records_since(before)
        written[command] = [record.action for record in records]
        # Whoever ran a command without an account is named by their login at the console.
        assert all(r.username and r.organisation for r in records), command
    assert set(written) == set(WRITES_ITS_RECORD)
    missing = {c: written[c] for c, action in WRITES_ITS_RECORD.items() if action not in written[c]}
    assert missing == {}


Step = Callable[[], object]


def walk(console: Console, tmp_path: Path) -> Iterator[tuple[str, Step]]:
    """Each state-changing command, run as its user would, on the demo's data (in order: a step may use
    what an earlier one made)."""
    password = tmp_path / "password"
    password.write_text(TEST_PASSWORD + "\n")
    yield (
        "init",
        lambda: console.run("init", "--admin-username", "lt.init", "--admin-password-file", str(password)),
    )
    demo.build(console.data_dir)
    _set_up(console, tmp_path)
    # The demo's dead letter came from a Frigate camera nobody had registered: registering it lets it replay.
    yield "cameras add", lambda: console.run("cameras", "add", "garage_cam")
    issued: list[str] = []
    yield "cameras token", lambda: issued.append(console.run("cameras", "token", "garage_cam"))
    yield "cameras revoke", lambda: console.run("cameras", "revoke", _token_id(issued[0]))
    yield "accounts unlock", lambda: console.run("accounts", "unlock", "officer", "--reason", "walk")
    yield (
        "accounts reset-two-factor",
        lambda: console.run("accounts", "reset-two-factor", "officer", "--reason", "walk"),
    )
    yield "accounts suspend-inactive", lambda: console.run("accounts", "suspend-inactive")
    places = tmp_path / "places.csv"
    places.write_text("address,latitude,longitude\n1 Walk St,37.79,-121.21\n")
    yield "places import", lambda: console.run("places", "import", str(places), "--source", "walk")
    hot_file = tmp_path / "bolo.csv"
    hot_file.write_text("plate,state,reason\n7WALK01,CA,walk\n")
    yield (
        "hotlist import",
        lambda: console.run("hotlist", "import", str(hot_file), "--list", "Walk list", "--confirm-shrink"),
    )
    yield "hotlist refresh", lambda: console.run("hotlist", "refresh")
    letters = _waiting_letters(console)
    yield "dead-letters replay", lambda: console.run("dead-letters", "replay", str(letters[0]))
    yield "dead-letters discard", lambda: console.run("dead-letters", "discard", str(letters[1]))
    placed: list[str] = []
    yield (
        "hold place",
        lambda: placed.append(
            console.run(
                "hold",
                "place",
                "--case",
                "26-WALK1",
                "--reason",
                "evidence",
                "--requester",
                "DA",
                "--as",
                "detective",
                "--plate",
                "8DEM711",
            )
        ),
    )
    yield (
        "hold release",
        lambda: console.run(
            "hold",
            "release",
            re.findall(r"Hold (\d+)", placed[0])[0],
            "--reason",
            "case closed",
            "--as",
            "detective",
        ),
    )
    yield (
        "evidence export",
        lambda: console.run(
            "evidence",
            "export",
            "--case",
            EVIDENCE_CASE,
            "--out",
            str(tmp_path / "package.zip"),
            "--as",
            "detective",
            "--reason",
            "preliminary hearing",
        ),
    )
    yield "purge", lambda: console.run("purge")
    yield "alerts deliver", lambda: console.run("alerts", "deliver")
    today = agency_today()
    period = ["--from", str(today - dt.timedelta(days=30)), "--to", str(today)]
    yield (
        "audit report",
        lambda: console.run("audit", "report", *period, "--out", str(tmp_path / "report.html")),
    )


def _token_id(output: str) -> str:
    return str(re.findall(r"\(token (\d+) for", output)[0])


def _set_up(console: Console, tmp_path: Path) -> None:
    """What the walk's commands act on: a long-unused account, an account with two-factor sign-in, a list
    refreshed from a file, a second dead letter, and an alert due to be sent to the walk's webhook."""
    refresh_file = tmp_path / "refresh.csv"
    refresh_file.write_text("plate,state,reason\n7WALK02,CA,walk\n")
    # the demo's regional list was refused a cut-short file; its source is whole again, so it loads
    (console.data_dir / "hotfiles" / "regional-stolen.csv").write_text(hot_file(LOADED), encoding="utf-8")
    settings = load_settings(overrides={"data_dir": console.data_dir})
    factory = console.database()
    with transaction(factory) as session:
        unused = session.scalars(select(User).where(User.username == "auditor")).one()
        unused.last_login_at = utcnow() - dt.timedelta(days=400)
        officer = session.scalars(select(User).where(User.username == "officer")).one()
        officer.totp_secret = "JBSWY3DPEHPK3PXP"  # an authenticator the walk's reset turns off
        hotlist_service.create(
            session=session,
            actor=TEST_ACTOR,
            name="Walk list",
            source=HotlistSource.DEPARTMENT,
            refresh_path=str(refresh_file),
        )
        dead_letters.record(
            session=session, source="mqtt", topic="plateguard/reads", reason="walk", field=None, payload=b"{}"
        )
        with system_scope(session, "test set-up"):
            alert = session.scalars(select(Alert).where(Alert.retroactive.is_(False))).first()
            assert alert is not None and session.scalars(select(PlateRead)).first() is not None
            delivery.enqueue(session=session, alerts=[alert], targets=delivery.targets_from(settings.alerts))
    factory.kw["bind"].dispose()


def _waiting_letters(console: Console) -> list[int]:
    factory = console.database()
    with transaction(factory) as session:
        ids = [letter.id for letter in dead_letters.list_(session=session, limit=10)]
    factory.kw["bind"].dispose()
    return sorted(ids)
