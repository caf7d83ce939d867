"""bench/search.py measures the embedded default too: its last step (the database size) works on SQLite."""

from __future__ import annotations

from pathlib import Path

from plateguard.database import make_engine, upgrade
from tests.conftest import load_bench


def test_the_database_size_step_runs_on_sqlite(tmp_path: Path) -> None:
    bench = load_bench("search.py")
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}")
    upgrade(engine)
    assert bench.database_size_mb(engine) > 0  # the WAL checkpoint ran outside a transaction
    engine.dispose()
