"""The Auditor's export of filtered access records: a CSV and the proof that nothing is missing.

The proof holds the chain links (sequence, previous hash, record hash) of every record from the first
exported one up to the first signed checkpoint after the last one, and that checkpoint with its
signature. Anyone with the public key (on the policy page) can check that the links join, that the
checkpoint is genuine, and so that no record in the exported stretch was removed or altered: a record
missing from the CSV that matched the filter would have to be missing from the chain too.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log import checkpoints
from plateguard.access_log.chain import HASHED_FIELDS, record_hash
from plateguard.access_log.models import AccessRecord
from plateguard.access_log.service import LogFilter, log_query, readable_query
from plateguard.errors import InvalidInput
from plateguard.spreadsheet import safe_cell

MAX_EXPORT_RECORDS = 1_000_000
COLUMNS = (
    "sequence",
    "occurred_at_utc",
    "occurred_at_local",
    "username",
    "full_name",
    "organisation",
    "roles",
    "action",
    "query",
    "query_json",
    "result_count",
    "purpose",
    "purpose_detail",
    "case_number",
    "outcome",
    "previous_hash",
    "record_hash",
)


def export_bundle(
    *, session: Session, data_dir: Path, filters: LogFilter, zone: ZoneInfo, now: dt.datetime
) -> tuple[bytes, int]:
    """A ZIP with access-log.csv and proof.json; returns its bytes and the number of records."""
    records = list(
        session.scalars(
            log_query(filters, zone=zone).order_by(AccessRecord.sequence).limit(MAX_EXPORT_RECORDS + 1)
        )
    )
    if len(records) > MAX_EXPORT_RECORDS:
        raise InvalidInput(f"more than {MAX_EXPORT_RECORDS} records match; narrow the filter", field="since")
    proof = _proof(session=session, data_dir=data_dir, records=records, filters=filters, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("access-log.csv", _csv(records, zone))
        bundle.writestr("proof.json", json.dumps(proof, indent=2, sort_keys=True))
    return buffer.getvalue(), len(records)


def _csv(records: list[AccessRecord], zone: ZoneInfo) -> str:
    """Text cells are neutralised (``spreadsheet.safe_cell``): usernames typed at the sign-in form by
    anyone, and the free text users give, reach this file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in records:
        writer.writerow(
            safe_cell(value)
            for value in (
                r.sequence,
                r.occurred_at.astimezone(dt.UTC).isoformat(),
                r.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z"),
                r.username,
                r.full_name,
                r.organisation,
                r.roles,
                r.action,
                readable_query(r.query),
                json.dumps(r.query, sort_keys=True),
                "" if r.result_count is None else r.result_count,
                r.purpose or "",
                r.purpose_detail,
                r.case_number or "",
                r.outcome,
                r.previous_hash,
                r.record_hash,
            )
        )
    return out.getvalue()


def _proof(
    *, session: Session, data_dir: Path, records: list[AccessRecord], filters: LogFilter, now: dt.datetime
) -> dict[str, Any]:
    signed = checkpoints.read_checkpoints(data_dir)
    proof: dict[str, Any] = {
        "exported_at": now.astimezone(dt.UTC).isoformat(),
        "filter": filters.as_params(),
        "records": len(records),
        "public_key": checkpoints.published_key(data_dir),
    }
    if not records:
        return proof | {"statement": "no record matched the filter"}
    first, last = records[0].sequence, records[-1].sequence
    closing = next((c for c in signed if c.sequence >= last), None)
    end = closing.sequence if closing else last
    links = session.execute(
        select(AccessRecord.sequence, AccessRecord.previous_hash, AccessRecord.record_hash)
        .where(AccessRecord.sequence.between(first, end))
        .order_by(AccessRecord.sequence)
    ).all()
    problems = _link_problems(first, end, [tuple(link) for link in links])
    problems += [f"record {r.sequence} does not match its hash" for r in records if not _hash_holds(r)]
    if closing is not None:
        problems += _checkpoint_problems(data_dir, closing, links[-1] if links else None)
    proof |= {
        "chain_links": [list(link) for link in links],
        "checkpoint": closing.__dict__ if closing else None,
        "problems": problems,
        "statement": _statement(first, end, closing is not None, problems),
    }
    return proof


def _link_problems(first: int, end: int, links: list[tuple[Any, ...]]) -> list[str]:
    problems = []
    expected = first
    previous_hash = None
    for sequence, previous, digest in links:
        if sequence != expected:
            problems.append(f"records {expected} to {sequence - 1} are missing from the chain")
        if previous_hash is not None and previous != previous_hash:
            problems.append(f"record {sequence} does not join the record before it")
        expected, previous_hash = sequence + 1, digest
    if expected != end + 1:
        problems.append(f"records {expected} to {end} are missing from the chain")
    return problems


def _hash_holds(record: AccessRecord) -> bool:
    content = {name: getattr(record, name) for name in HASHED_FIELDS} | {"query": record.query}
    return record_hash(record.previous_hash, content) == record.record_hash


def _checkpoint_problems(data_dir: Path, checkpoint: checkpoints.Checkpoint, link: Any) -> list[str]:
    problems = []
    try:
        key = checkpoints.load_public_key(data_dir)
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.message())
    except (InvalidSignature, ValueError):
        problems.append("the closing checkpoint's signature does not verify")
    if link is None or link[2] != checkpoint.record_hash:
        problems.append(f"record {checkpoint.sequence} differs from its signed checkpoint")
    return problems


def _statement(first: int, end: int, signed: bool, problems: list[str]) -> str:
    if problems:
        return "NOT COMPLETE: " + "; ".join(problems)
    reach = (
        f"up to the signed checkpoint at record {end}"
        if signed
        else f"up to record {end} (no checkpoint yet)"
    )
    return f"every record from {first} {reach} is present and joined: no matching record was left out"
