"""Store-and-forward for mobile units: a durable local queue (SQLite) uploaded in order when online.

A read leaves the queue only after the server acknowledged it (HTTP 200, sent after its commit). A read
the server refuses (422 invalid, 409 an id of another camera's read) moves to the ``rejected`` table with
the reason, so one bad read never blocks the rest; a refusal that names no read halves the batch until
the read is found. The newest ``MAX_REJECTED`` refused reads are kept. Everything else (offline, 5xx,
503, 401) keeps the reads and retries with back-off.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plateguard.ingest.schemas import ReadSubmission

logger = logging.getLogger(__name__)
QUEUE_FILE = "forward-queue.sqlite3"
MAX_REJECTED = 10_000  # refused reads kept for the operator; older ones are dropped
REFUSALS = (409, 422)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS queued (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, read_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY, read_id TEXT NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL
);
"""


class ForwardQueue:
    """Reads waiting to be uploaded, in the order they were queued; every change is fsync'ed."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.executescript(_SCHEMA)

    def put(self, reads: Iterable[ReadSubmission]) -> int:
        rows = [(str(read.id), read.model_dump_json(exclude_none=True)) for read in reads]
        with self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            before = self.connection.total_changes
            self.connection.executemany("INSERT OR IGNORE INTO queued (read_id, body) VALUES (?, ?)", rows)
            return self.connection.total_changes - before

    def peek(self, limit: int) -> list[tuple[int, str]]:
        query = "SELECT seq, body FROM queued ORDER BY seq LIMIT ?"
        return [(int(seq), str(body)) for seq, body in self.connection.execute(query, (limit,))]

    def remove(self, seqs: list[int]) -> None:
        with self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.executemany("DELETE FROM queued WHERE seq = ?", [(seq,) for seq in seqs])

    def reject(self, seq: int, reason: str) -> None:
        with self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.execute(
                "INSERT INTO rejected SELECT seq, read_id, body, ? FROM queued WHERE seq = ?", (reason, seq)
            )
            self.connection.execute("DELETE FROM queued WHERE seq = ?", (seq,))
            self.connection.execute(
                "DELETE FROM rejected WHERE seq NOT IN (SELECT seq FROM rejected ORDER BY seq DESC LIMIT ?)",
                (MAX_REJECTED,),
            )

    def __len__(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM queued").fetchone()[0])

    def rejected_count(self) -> int:
        return int(self.connection.execute("SELECT count(*) FROM rejected").fetchone()[0])

    def close(self) -> None:
        self.connection.close()


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (offline, timeout, connection dropped)
    body: dict[str, Any]


def post_reads(url: str, token: str, reads: list[dict[str, Any]], timeout: float = 60) -> Answer:
    request = urllib.request.Request(  # noqa: S310 - the operator configures the server's URL
        url.rstrip("/") + "/api/v1/reads",
        data=json.dumps({"reads": reads}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, json.loads(response.read() or b"{}"))
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        return Answer(exc.code, body)
    except (OSError, ValueError) as exc:
        logger.info("server not reachable: %s", exc)
        return Answer(0, {})


class Forwarder:
    def __init__(self, queue: ForwardQueue, *, url: str, token: str, batch: int = 500) -> None:
        self.queue, self.url, self.token, self.batch = queue, url, token, batch
        self.uploaded = 0

    def upload_once(self) -> bool:
        """Send the oldest batch; True when progress was made (sent, or a bad read set aside)."""
        pending = self.queue.peek(self.batch)
        if not pending:
            return False
        answer = post_reads(self.url, self.token, [json.loads(body) for _, body in pending])
        if answer.status == 200:
            self.queue.remove([seq for seq, _ in pending])
            self.uploaded += len(pending)
            return True
        return self._after_refusal(answer, pending)

    def _after_refusal(self, answer: Answer, pending: list[tuple[int, str]]) -> bool:
        error = answer.body.get("error") if isinstance(answer.body, dict) else None
        error = error if isinstance(error, dict) else {}
        index = _read_index(str(error.get("field") or ""), len(pending))
        if answer.status in REFUSALS and (index is not None or len(pending) == 1):
            self.queue.reject(pending[index or 0][0], str(error.get("message")))
            return True
        if answer.status in (*REFUSALS, 413) and len(pending) > 1:  # find the read: halve the batch
            self.batch = max(1, min(self.batch, len(pending)) // 2)
            return True
        if answer.status:
            logger.warning("server answered %s: %s", answer.status, error.get("message", ""))
        return False

    def run(self, stop: threading.Event, *, until_empty: bool = False, max_delay: float = 60) -> None:
        delay = 0.5
        while not stop.is_set():
            if self.upload_once():
                delay = 0.5
                continue
            if until_empty and len(self.queue) == 0:
                return
            stop.wait(delay)
            delay = min(delay * 2, max_delay)


def _read_index(field: str, size: int) -> int | None:
    """The batch position a refusal names (``reads.3.plate``), when it names one in range."""
    parts = field.split(".")
    if len(parts) > 1 and parts[0] == "reads" and parts[1].isdigit() and int(parts[1]) < size:
        return int(parts[1])
    return None
