"""What the engine-level access guard costs per SQL statement.

    python bench/access_guard.py [--statements N]

Runs N indexed single-row SELECTs of ``plate_read`` on a migrated SQLite database inside an audited
(system) scope, with the guard's engine hook in place and with it removed, and times a first look at
statements the guard has not seen (no cache); then the hook alone, called directly (the end-to-end
SELECT times are dominated by SQLite and vary with machine load). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, event, text

from plateguard.access_log import guard
from plateguard.access_log.guard import system_scope
from plateguard.database import make_engine, upgrade

STATEMENT = text("SELECT id FROM plate_read WHERE id = :id")


def timed_selects(engine: Engine, count: int) -> float:
    with engine.connect() as connection, system_scope(None, "benchmark"):
        started = time.perf_counter()
        for number in range(count):
            connection.execute(STATEMENT, {"id": str(number)}).first()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=50_000)
    count = parser.parse_args().statements
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        upgrade(engine)
        timed_selects(engine, 1000)  # warm up
        guarded = timed_selects(engine, count)
        event.remove(type(engine), "before_cursor_execute", guard._refuse_unrecorded_statements)
        bare = timed_selects(engine, count)
        event.listen(type(engine), "before_cursor_execute", guard._refuse_unrecorded_statements)
        engine.dispose()
    hook = guard._refuse_unrecorded_statements
    seen = "SELECT user_account.id FROM user_account WHERE user_account.username = ?"
    outside_us = per_call(lambda: hook(None, None, seen, None, None, False), count)
    with system_scope(None, "benchmark"):
        inside_us = per_call(lambda: hook(None, None, STATEMENT.text, None, None, False), count)
    guard.protected_tables_read.cache_clear()
    unseen = iter([f"SELECT plate_normalized FROM plate_read WHERE id = {n}" for n in range(count)])
    first_look_us = per_call(lambda: guard.protected_tables_read(next(unseen)), count)
    result = {
        "statements": count,
        "select_with_guard_us": round(guarded / count * 1e6, 2),
        "select_without_guard_us": round(bare / count * 1e6, 2),
        "hook_in_scope_us": inside_us,
        "hook_out_of_scope_seen_us": outside_us,
        "hook_first_look_us": first_look_us,
    }
    print(f"{'measure':<44}{'µs':>10}")
    for key, value in result.items():
        if key != "statements":
            print(f"{key:<44}{value:>10}")
    print(json.dumps(result))


def per_call(call: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        call()
    return round((time.perf_counter() - started) / count * 1e6, 3)


if __name__ == "__main__":
    main()
