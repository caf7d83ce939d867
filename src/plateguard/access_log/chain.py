"""The hash chain: each record's hash covers its content and the hash of the record before it.

The hashed form is the previous hash, a JSON array of the fields below in this order (the timestamp
written as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC), and the query in canonical JSON (sorted keys, no
spaces), which is exactly the text the database stores (see ``database.canonical_json``). ``verify.py``
rebuilds the same form straight from raw rows, which keeps a check of a million records fast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plateguard.database import canonical_json

HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "user_id",
    "username",
    "full_name",
    "organisation",
    "roles",
    "action",
    "result_count",
    "purpose",
    "purpose_detail",
    "case_number",
    "outcome",
)
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonical_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hash_values(previous_hash: str, values: Sequence[Any], query_json: str) -> str:
    """``values``: the HASHED_FIELDS in order, the timestamp already in its canonical text form."""
    return hashlib.sha256(f"{previous_hash}|{_encode(values)}|{query_json}".encode()).hexdigest()


def record_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    values = [content[name] for name in HASHED_FIELDS]
    values[1] = canonical_time(values[1])
    return hash_values(previous_hash, values, canonical_json(content["query"]))


@dataclass(frozen=True)
class ChainRow:
    record_id: int
    sequence: int
    previous_hash: str
    record_hash: str
    values: Sequence[Any]
    query_json: str


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    record_id: int | None
    problem: str


def find_first_break(rows: Iterable[ChainRow], genesis: str) -> ChainBreak | None:
    """Walk records in sequence order; name the first that was altered, removed or inserted."""
    expected_previous, expected_sequence = genesis, 1
    for row in rows:
        if row.sequence != expected_sequence:
            problem = "removed" if row.sequence > expected_sequence else "inserted or renumbered"
            return ChainBreak(expected_sequence, row.record_id, f"record {expected_sequence} {problem}")
        if row.previous_hash != expected_previous:
            return ChainBreak(
                row.sequence, row.record_id, "inserted: it does not follow the record before it"
            )
        if hash_values(row.previous_hash, row.values, row.query_json) != row.record_hash:
            return ChainBreak(row.sequence, row.record_id, "altered: its content does not match its hash")
        expected_previous, expected_sequence = row.record_hash, expected_sequence + 1
    return None
