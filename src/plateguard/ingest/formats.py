"""Which format a stored payload is in, for doors that take files (``plateguard forward enqueue``)."""

from __future__ import annotations

from typing import Any

from plateguard.ingest.schemas import ReadSubmission, parse_submission
from plateguard.ingest.vendors import from_openalpr, from_platerecognizer

OPENALPR_TYPES = frozenset({"alpr_group", "alpr_results", "alpr_alert", "heartbeat", "vehicle"})


def reads_from_any(payload: Any) -> list[ReadSubmission]:
    """plateguard's own read or batch, an OpenALPR / Rekor message, or a Plate Recognizer result."""
    if isinstance(payload, dict):
        openalpr = str(payload.get("data_type")) in OPENALPR_TYPES
        if openalpr or ("results" in payload and "epoch_time" in payload):
            return from_openalpr(payload)
        data = payload.get("data")
        snapshot = "results" in payload and "timestamp" in payload
        if snapshot or (isinstance(data, dict) and "results" in data):
            return from_platerecognizer(payload)
    return parse_submission(payload)
