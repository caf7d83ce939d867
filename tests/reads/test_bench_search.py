"""bench/search.py measures the embedded default too: its last step (the database size) works on SQLite."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from plateguard.database import make_engine, upgrade

BENCH = Path(__file__).resolve().parents[2] / "bench" / "search.py"


def test_the_database_size_step_runs_on_sqlite(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_search", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    engine = make_engine(f"sqlite:///{tmp_path / 'reads.sqlite3'}")
    upgrade(engine)
    assert bench.database_size_mb(engine) > 0  # the WAL checkpoint ran outside a transaction
    engine.dispose()
