"""Signed checkpoints of the chain head, kept outside the database.

The hash chain alone shows a record edited in place, but someone who can write the database can also
delete a record, recompute every later hash and the head, and the chain is whole again. A checkpoint is
the head (sequence and record hash) at one moment, signed with an Ed25519 key that lives in
``<data_dir>/secrets/`` and appended as one JSON line to ``<data_dir>/audit/checkpoints.jsonl``, a file
opened only for appending. ``verify`` then checks that every checkpointed record is still there with
the same hash: a rebuilt chain or a truncated tail disagrees with the first checkpoint after the change.
The public key is on the public policy page, so anyone holding a copy of the file can check it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import logging.handlers
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from plateguard.access_log.chain import ChainBreak, canonical_time
from plateguard.access_log.models import AccessChainHead, AccessRecord
from plateguard.errors import ConfigurationError

KEY_FILE = "checkpoint_signing_key"
PUBLIC_KEY_FILE = "checkpoint_signing_key.pub"
CHECKPOINT_FILE = Path("audit") / "checkpoints.jsonl"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    record_hash: str
    written_at: str
    signature: str

    def message(self) -> bytes:
        return f"plateguard-checkpoint|{self.sequence}|{self.record_hash}|{self.written_at}".encode()


def write_signing_key(secrets_dir: Path) -> None:
    """Generate the Ed25519 key pair once (private key mode 0600, public key beside it)."""
    private_path, public_path = secrets_dir / KEY_FILE, secrets_dir / PUBLIC_KEY_FILE
    if private_path.exists():
        return
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_path.write_text(public_key_text(key.public_key()) + "\n")


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode()


def load_public_key(data_dir: Path) -> Ed25519PublicKey:
    path = data_dir / "secrets" / PUBLIC_KEY_FILE
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"missing {path}: run `plateguard init` first") from exc
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.removeprefix("ed25519:")))


def published_key(data_dir: Path) -> str | None:
    """The public key as shown on the policy page, or None when none was generated yet."""
    try:
        return public_key_text(load_public_key(data_dir))
    except (ConfigurationError, ValueError):
        return None


def private_key(data_dir: Path) -> Ed25519PrivateKey:
    path = data_dir / "secrets" / KEY_FILE
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise ConfigurationError(f"missing {path}: run `plateguard init` first") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 key")
    return key


def checkpoint_path(data_dir: Path) -> Path:
    return data_dir / CHECKPOINT_FILE


def write_checkpoint(
    engine: Engine, data_dir: Path, *, now: dt.datetime | None = None, syslog: str = ""
) -> Checkpoint | None:
    """Sign and append the current head; None when the log is empty or unchanged since the last one."""
    with engine.connect() as connection:
        head = connection.execute(select(AccessChainHead.sequence, AccessChainHead.last_hash)).first()
    if head is None or head[0] == 0:
        return None
    existing = read_checkpoints(data_dir)
    if existing and (existing[-1].sequence, existing[-1].record_hash) == (head[0], head[1]):
        return None
    written_at = canonical_time(now or dt.datetime.now(dt.UTC))
    unsigned = Checkpoint(head[0], head[1], written_at, "")
    signature = base64.b64encode(private_key(data_dir).sign(unsigned.message())).decode()
    checkpoint = Checkpoint(head[0], head[1], written_at, signature)
    path = checkpoint_path(data_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps(checkpoint.__dict__, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if syslog:
        send_to_syslog(syslog, line.strip())
    return checkpoint


def send_to_syslog(address: str, line: str) -> None:
    """One copy of the checkpoint line to a syslog socket or host:port (UDP), outside the data directory."""
    host, _, port = address.rpartition(":")
    target: str | tuple[str, int] = address if address.startswith("/") else (host, int(port))
    handler = logging.handlers.SysLogHandler(address=target, facility=logging.handlers.SysLogHandler.LOG_AUTH)
    try:
        record = logging.LogRecord(
            "plateguard", logging.INFO, __file__, 0, "plateguard-checkpoint %s", (line,), None
        )
        handler.emit(record)
    finally:
        handler.close()


def read_checkpoints(data_dir: Path) -> list[Checkpoint]:
    path = checkpoint_path(data_dir)
    if not path.exists():
        return []
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint(**json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"{path} line {number} is not a checkpoint") from exc
    return found


def signed_checkpoints(data_dir: Path) -> tuple[list[Checkpoint], ChainBreak | None]:
    """The checkpoints of the file, up to the first one with a bad signature (reported)."""
    checkpoints = read_checkpoints(data_dir)
    if not checkpoints:
        return [], None
    key = load_public_key(data_dir)
    for number, checkpoint in enumerate(checkpoints, start=1):
        try:
            key.verify(base64.b64decode(checkpoint.signature), checkpoint.message())
        except (InvalidSignature, ValueError):
            problem = (
                f"checkpoint {number} ({checkpoint.written_at}) has a bad signature: the file was edited"
            )
            return checkpoints[: number - 1], ChainBreak(checkpoint.sequence, None, problem)
    return checkpoints, None


def check_against(
    engine: Engine, data_dir: Path, anchor: tuple[int, str] = (0, "")
) -> tuple[int, ChainBreak | None]:
    """How many checkpoints were checked, and the first one the stored chain disagrees with.

    ``anchor``: the last record a purge destroyed and its hash; checkpoints before it name destroyed
    records and are passed over, one at it must hold the hash the kept chain starts from.
    """
    checkpoints, bad = signed_checkpoints(data_dir)
    if bad is not None:
        return len(checkpoints), bad
    checkpoints = [c for c in checkpoints if c.sequence >= anchor[0]]
    stored = _stored_hashes(engine, [c.sequence for c in checkpoints if c.sequence > anchor[0]])
    stored[anchor[0]] = (anchor[1], None)
    previous_good = anchor[0]
    for number, checkpoint in enumerate(checkpoints, start=1):
        found = stored.get(checkpoint.sequence)
        if found is not None and found[0] == checkpoint.record_hash:
            previous_good = max(previous_good, checkpoint.sequence)
            continue
        record_id = found[1] if found is not None else None
        signed = f"the signed checkpoint of {checkpoint.written_at}"
        state = f"is gone, though {signed} holds it" if found is None else f"differs from {signed}"
        problem = (
            f"record {checkpoint.sequence} {state}; the log was rewritten after record {previous_good} "
            "(the last record a checkpoint confirms)"
        )
        return number - 1, ChainBreak(checkpoint.sequence, record_id, problem)
    return len(checkpoints), None


def _stored_hashes(engine: Engine, sequences: list[int]) -> dict[int, tuple[str, int | None]]:
    """Record hash and row id of each wanted sequence number that is stored."""
    wanted = sorted(set(sequences))
    found: dict[int, tuple[str, int | None]] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), 500):
            rows = connection.execute(
                select(AccessRecord.sequence, AccessRecord.record_hash, AccessRecord.id).where(
                    AccessRecord.sequence.in_(wanted[start : start + 500])
                )
            )
            found.update({sequence: (digest, row_id) for sequence, digest, row_id in rows})
    return found


class CheckpointWriter:
    """While the server runs: a checkpoint every ``minutes`` (skipped when the log did not move)."""

    def __init__(self, engine: Engine, data_dir: Path, minutes: float, syslog: str = "") -> None:
        self.engine, self.data_dir, self.seconds, self.syslog = engine, data_dir, minutes * 60, syslog
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._write()  # the head as the server stops

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self._write()

    def _write(self) -> None:
        try:
            write_checkpoint(self.engine, self.data_dir, syslog=self.syslog)
        except (OSError, ConfigurationError, SQLAlchemyError):
            logger.exception("access-log checkpoint failed; retrying at the next interval")
