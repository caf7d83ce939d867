"""Hotlist matching speed and memory: N live entries plus 1,000 partial plates, loaded from the database.

    python bench/hotlist.py [--entries 1000000] [--wildcards 1000] [--reads 50000]

Steps: a throw-away SQLite database is migrated and filled (not timed); a full reload reads every live
entry through ``hotlists.live.build_matcher`` and indexes it (timed: ``reload_s``); then reads (1 %
exact hits, 1 % OCR-confused, 1 % one character missing, the rest unlisted plates) are matched one by one
(``match_median_us``, ``match_p99_us``). ``rss_mb`` is the process's resident memory after the reload.
Baseline, measured in the same run: trying every wildcard's regular expression on each read (what a
matcher without the literal index would do), on 2,000 reads.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from plateguard.database import make_engine, upgrade, utcnow
from plateguard.hotlists.live import build_matcher
from plateguard.hotlists.matching import wildcard_regex
from plateguard.hotlists.models import Hotlist, HotlistEntry

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
SWAPS = {"B": "8", "8": "B", "S": "5", "5": "S", "Z": "2", "2": "Z", "G": "6", "6": "G", "D": "0", "0": "O"}


def plate(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{''.join(rng.choices(LETTERS, k=3))}{rng.randint(0, 999):03d}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(session: Session, rng: random.Random, entries: int, wildcards: int) -> list[str]:
    hotlist = Hotlist(name="bench", source="state", restricted=True, changed_at=utcnow())
    session.add(hotlist)
    session.flush()
    now, plates, batch = utcnow(), [], []
    for number in range(entries + wildcards):
        wildcard = number >= entries
        text = plate(rng)
        if wildcard:
            text = text[:3] + "*" if number % 2 else "?" + text[1:5] + "?"
        else:
            plates.append(text)
        batch.append(
            {
                "hotlist_id": hotlist.id,
                "plate": text,
                "plate_normalized": text,
                "state": "CA",
                "category": "stolen_vehicle",
                "vehicle_description": "",
                "reason": "bench",
                "entered_by": "bench",
                "entered_at": now,
                "is_wildcard": wildcard,
                "expires_at": now + dt.timedelta(days=30) if wildcard else None,
            }
        )
        if len(batch) == 50_000:
            session.execute(insert(HotlistEntry), batch)
            batch = []
    if batch:
        session.execute(insert(HotlistEntry), batch)
    session.commit()
    return plates


def reads_to_match(rng: random.Random, listed: list[str], count: int) -> list[str]:
    reads = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.01:
            reads.append(rng.choice(listed))
        elif roll < 0.02:
            text = rng.choice(listed)
            reads.append("".join(SWAPS.get(c, c) for c in text))
        elif roll < 0.03:
            text = rng.choice(listed)
            cut = rng.randrange(len(text))
            reads.append(text[:cut] + text[cut + 1 :])
        else:
            reads.append(plate(rng))
    return reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--wildcards", type=int, default=1_000)
    parser.add_argument("--reads", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(460)
    folder = Path(tempfile.mkdtemp(prefix="plateguard-bench-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    upgrade(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        listed = fill(session, rng, args.entries, args.wildcards)
    fill_s = time.perf_counter() - started
    before = rss_mb()
    with Session(engine) as session:
        started, cpu_started = time.perf_counter(), time.process_time()
        matcher = build_matcher(session)
        reload_s, reload_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    after = rss_mb()

    reads = reads_to_match(rng, listed, args.reads)
    now, timings, hits = utcnow().timestamp(), [], 0
    clock = time.perf_counter_ns
    for text in reads:
        start = clock()
        found = matcher.match(text, state="CA", now=now)
        timings.append(clock() - start)
        hits += bool(found)
    timings.sort()
    median_us = statistics.median(timings) / 1000
    p99_us = timings[int(len(timings) * 0.99)] / 1000

    indexes = (matcher._by_trigram, matcher._by_bigram)
    patterns = [wildcard_regex(e.plate) for index in indexes for bucket in index.values() for _, e in bucket]
    patterns += [regex for regex, _ in matcher._wild_always]
    baseline = []
    for text in reads[:2000]:
        start = clock()
        [p for p in patterns if p.fullmatch(text)]
        baseline.append(clock() - start)
    baseline_us = statistics.median(baseline) / 1000

    rows = [
        ("live entries (incl. wildcards)", f"{matcher.size:,}"),
        ("wildcard entries", f"{matcher.wildcards:,}"),
        ("database fill (not timed)", f"{fill_s:.1f} s"),
        ("full reload: read from SQLite + index (wall)", f"{reload_s:.2f} s"),
        ("full reload: CPU time of this process", f"{reload_cpu_s:.2f} s"),
        ("load average during the run (shared machines inflate wall times)", f"{os.getloadavg()[0]:.1f}"),
        ("reads matched", f"{len(reads):,} ({hits:,} with a hit)"),
        ("match median", f"{median_us:.2f} µs"),
        ("match p99", f"{p99_us:.2f} µs"),
        ("baseline: every wildcard regex per read (median)", f"{baseline_us:.2f} µs"),
        ("speed-up of the full match over the wildcard baseline", f"{baseline_us / median_us:.1f}x"),
        ("process RSS after reload", f"{after:.0f} MB (matcher and load: +{after - before:.0f} MB)"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(
        json.dumps(
            {
                "entries": args.entries,
                "match_median_us": round(median_us, 2),
                "match_p99_us": round(p99_us, 2),
                "reload_s": round(reload_s, 2),
                "rss_mb": round(after, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
