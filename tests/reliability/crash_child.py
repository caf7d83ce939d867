"""Run one plateguard command and kill it with SIGKILL at its N-th step: a database statement, a commit,
or a file written, renamed or removed. With N = 0 it runs to the end and writes its step count to a file.

    python -m tests.reliability.crash_child N STEPS_FILE cli ARG...            (a plateguard command)
    python -m tests.reliability.crash_child N STEPS_FILE verify DATA_DIR ALERT_ID USERNAME

A step is counted just before it happens, so a kill at step N leaves steps 1..N-1 done and N not done.
"""

from __future__ import annotations

import atexit
import os
import pathlib
import signal
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class Steps:
    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.count = 0

    def step(self, *_args: Any, **_kwargs: Any) -> None:
        self.count += 1
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(self, owner: Any, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.step()
            return original(*args, **kwargs)

        setattr(owner, name, counted)


def install(steps: Steps) -> None:
    event.listen(Engine, "before_cursor_execute", steps.step)
    event.listen(Engine, "commit", steps.step)
    for name in ("unlink", "replace", "rename"):
        steps.wrap(os, name)
    for name in ("write_bytes", "write_text"):
        steps.wrap(pathlib.Path, name)


def verify_alert(data_dir: str, alert_id: str, username: str) -> None:
    """What the alert page's verification form does: one step in one transaction."""
    from plateguard.accounts import service as account_service
    from plateguard.alerts import service as alert_service
    from plateguard.config import load_settings
    from plateguard.database import make_engine, make_session_factory, transaction

    settings = load_settings(overrides={"data_dir": Path(data_dir)})
    with transaction(make_session_factory(make_engine(settings.resolved_database_url))) as session:
        user = account_service.get_by_username(session=session, username=username)
        assert user is not None
        alert_service.verify(
            session=session,
            user=user,
            alert_id=uuid.UUID(alert_id),
            visual_match=False,
            clets_result=None,
            outcome=None,
            notes="Plate on the car reads 7ABC128, not the listed plate",
            why=None,
        )


def main(argv: list[str]) -> None:
    kill_at, steps_file, kind, *args = argv
    steps = Steps(int(kill_at))
    atexit.register(lambda: Path(steps_file).write_text(str(steps.count)))
    install(steps)
    if kind == "verify":
        verify_alert(*args)
        return
    from plateguard.cli import app

    app(args, prog_name="plateguard")


if __name__ == "__main__":
    main(sys.argv[1:])
