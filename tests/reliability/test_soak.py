"""A bounded soak (bench/soak.py, shortened): steady ingest while an investigator searches and a hot file is
imported again and again. Nothing fails, every search and import is answered, and the server's memory is
flat after warm-up. (The latency figures are the benchmark's to report; docs/security.md gives them.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_ingest_searches_and_imports_together_fail_nothing_and_memory_stays_flat() -> None:
    command = [sys.executable, str(BENCH), "--seconds", "45", "--reads-per-second", "200"]
    command += ["--hotlist-entries", "10000", "--import-every", "8"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["errors"] == 0, figures["_first_errors"]
    assert figures["reads"] >= 200 * 45 * 0.5  # the steady load was really sent and stored
    assert figures["searches"] >= 20 and figures["imports"] >= 3
    assert figures["rss_growth_mb"] < 20, figures  # flat: no growth with the work done
    assert figures["ingest_p99_ms"] < 5000, figures  # never stalled behind an import or a search
