"""Purge anchors: where the kept access-log chain starts once the oldest records were destroyed.

The retention purge destroys the access log only as a whole prefix of the chain, up to a record a signed
checkpoint confirms. Before it deletes anything it writes an anchor: that record's sequence number and
hash, signed with the checkpoint key (a message of its own kind, so a checkpoint's signature cannot pass
for an anchor's). ``verify`` then checks the kept chain from the anchor exactly as it checks a whole
chain from the first record, and checks the anchor's signature: an anchor written by someone without
the key, to let the triggers pass a DELETE of kept records, is reported.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from plateguard.access_log.chain import ChainBreak
from plateguard.access_log.checkpoints import load_public_key, private_key
from plateguard.access_log.models import GENESIS_HASH, AccessLogAnchor


@dataclass(frozen=True)
class Anchor:
    """The last destroyed record (0 and the genesis hash when nothing was ever destroyed)."""

    sequence: int
    record_hash: str


START = Anchor(0, GENESIS_HASH)


def message(sequence: int, record_hash: str, written_at: str) -> bytes:
    return f"plateguard-purge-anchor|{sequence}|{record_hash}|{written_at}".encode()


def sign(data_dir: Path, sequence: int, record_hash: str, written_at: str) -> str:
    return base64.b64encode(private_key(data_dir).sign(message(sequence, record_hash, written_at))).decode()


def current(engine: Engine) -> Anchor:
    """The newest anchor: the kept chain starts right after it."""
    with engine.connect() as connection:
        return newest(connection.execute(_NEWEST).first())


def current_in(session: Session) -> Anchor:
    return newest(session.execute(_NEWEST).first())


_NEWEST = (
    select(AccessLogAnchor.sequence, AccessLogAnchor.record_hash)
    .order_by(AccessLogAnchor.sequence.desc())
    .limit(1)
)


def newest(row: tuple[int, str] | None) -> Anchor:
    return Anchor(row[0], row[1]) if row is not None else START


def check_signatures(engine: Engine, data_dir: Path) -> ChainBreak | None:
    """The first anchor whose signature the agency's checkpoint key did not make."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                AccessLogAnchor.sequence,
                AccessLogAnchor.record_hash,
                AccessLogAnchor.written_at,
                AccessLogAnchor.signature,
            ).order_by(AccessLogAnchor.sequence)
        ).all()
    if not rows:
        return None
    key = load_public_key(data_dir)
    for sequence, record_hash, written_at, signature in rows:
        try:
            key.verify(base64.b64decode(signature), message(sequence, record_hash, written_at))
        except (InvalidSignature, ValueError):
            problem = (
                f"the purge anchor at record {sequence} ({written_at}) is not signed by the checkpoint key: "
                "records were deleted or an anchor written outside the retention purge"
            )
            return ChainBreak(sequence + 1, None, problem)
    return None
