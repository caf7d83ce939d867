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
from collections.abc import Mapping, Sequence
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
class ChainBreak:
    sequence: int
    record_id: int | None
    problem: str
