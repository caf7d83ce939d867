"""The hash chain: each record's hash covers its content and the hash of the record before it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "user_id",
    "username",
    "full_name",
    "organisation",
    "roles",
    "action",
    "query",
    "result_count",
    "purpose",
    "purpose_detail",
    "case_number",
    "outcome",
)


def canonical(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def record_hash(previous_hash: str, content: Mapping[Any, Any]) -> str:
    payload = json.dumps(
        {name: canonical(content[name]) for name in HASHED_FIELDS}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(f"{previous_hash}|{payload}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    record_id: int | None
    problem: str


def find_first_break(rows: Iterable[Mapping[Any, Any]], genesis: str) -> ChainBreak | None:
    """Walk records in sequence order; name the first that was altered, removed or inserted."""
    expected_previous, expected_sequence = genesis, 1
    for row in rows:
        if row["sequence"] != expected_sequence:
            problem = "removed" if row["sequence"] > expected_sequence else "inserted or renumbered"
            return ChainBreak(expected_sequence, row["id"], f"record {expected_sequence} {problem}")
        if row["previous_hash"] != expected_previous:
            return ChainBreak(row["sequence"], row["id"], "inserted: it does not follow the record before it")
        if record_hash(row["previous_hash"], row) != row["record_hash"]:
            return ChainBreak(row["sequence"], row["id"], "altered: its content does not match its hash")
        expected_previous, expected_sequence = row["record_hash"], expected_sequence + 1
    return None
