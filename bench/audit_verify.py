"""How long `plateguard audit verify` takes on a large access log, against a plain read of the same rows.

    python bench/audit_verify.py [--records N] [--database-url URL]

Fills a fresh database with N chained access records (real hashes), then times the chain check and a
plain full scan of the table in the same run. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, insert, text

from plateguard.access_log.chain import record_hash
from plateguard.access_log.models import GENESIS_HASH, AccessChainHead, AccessRecord
from plateguard.access_log.verify import verify_chain
from plateguard.database import make_engine, upgrade

BATCH = 10_000


def fill(engine: Engine, count: int) -> None:
    previous, start = GENESIS_HASH, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as connection:
        for first in range(1, count + 1, BATCH):
            rows = []
            for sequence in range(first, min(first + BATCH, count + 1)):
                content = {
                    "sequence": sequence,
                    "occurred_at": start + dt.timedelta(seconds=sequence),
                    "user_id": None,
                    "username": "det.nair",
                    "full_name": "Det. Priya Nair",
                    "organisation": "Manteca PD",
                    "roles": "Investigator",
                    "action": "reads.search",
                    "query": {"plate": f"7ABC{sequence % 1000:03d}"},
                    "result_count": sequence % 50,
                    "purpose": "Criminal investigation",
                    "purpose_detail": "",
                    "case_number": f"26-{sequence % 9000:04d}",
                    "outcome": "ok",
                }
                digest = record_hash(previous, content)
                rows.append({**content, "previous_hash": previous, "record_hash": digest})
                previous = digest
            connection.execute(insert(AccessRecord), rows)
        connection.execute(insert(AccessChainHead), [{"id": 1, "sequence": count, "last_hash": previous}])


def timed_scan(engine: Engine) -> float:
    started = time.perf_counter()
    with engine.connect() as connection:
        for _ in connection.execution_options(yield_per=20_000).execute(text("SELECT * FROM access_record")):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    fill(engine, args.records)
    fill_s = time.perf_counter() - started
    scan_s = timed_scan(engine)
    started = time.perf_counter()
    report = verify_chain(engine)
    verify_s = time.perf_counter() - started
    assert report.intact and report.records == args.records, report
    print(f"{'backend':<12}{'records':>10}{'fill s':>10}{'scan s':>10}{'verify s':>10}{'verify/scan':>13}")
    print(
        f"{engine.dialect.name:<12}{args.records:>10}{fill_s:>10.2f}{scan_s:>10.2f}{verify_s:>10.2f}"
        f"{verify_s / scan_s:>13.2f}"
    )
    print(
        json.dumps(
            {
                "backend": engine.dialect.name,
                "records": args.records,
                "verify_s": round(verify_s, 3),
                "scan_s": round(scan_s, 3),
                "verify_over_scan": round(verify_s / scan_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
