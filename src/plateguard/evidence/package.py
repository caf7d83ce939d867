"""Evidence packages: the reads of a case (CSV and JSON), their original images, a chain-of-custody PDF,
and a manifest of every file's SHA-256 signed with the agency's Ed25519 key. Each export is an access
record and an ``evidence_export`` row."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.access_log.service import Actor, Justification, audited_access
from plateguard.config import Settings
from plateguard.database import utcnow
from plateguard.errors import InvalidInput, NotFound
from plateguard.evidence import signing
from plateguard.evidence.custody import Custody, custody_pdf
from plateguard.evidence.models import EvidenceExport
from plateguard.reads.images import image_path
from plateguard.reads.models import PlateRead, StoredImage
from plateguard.reads.search.exports import _row, to_csv
from plateguard.retention import holds
from plateguard.retention.service import name_of
from plateguard.sharing import service as release_service
from plateguard.sharing.recipients import check_recipient

MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "public_key.pem"
EXPORT_PURPOSE = "Evidence export"
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class ExportOrder:
    case_number: str
    reason: str
    recipient: str = ""  # empty: the home agency
    release_request_id: int | None = None


def export(
    *, session: Session, actor: Actor, settings: Settings, order: ExportOrder
) -> tuple[bytes, EvidenceExport]:
    """The package's bytes for the reads under the case's active holds, and its custody row."""
    recipient = _recipient(session, settings, order)
    reason = order.reason.strip()
    if len(reason) < 5:
        raise InvalidInput("say why the package is made (at least 5 characters)", field="reason")
    why = Justification(EXPORT_PURPOSE, reason, order.case_number).checked(
        allowed=(EXPORT_PURPOSE,), needs_case_number=True
    )
    case = why.case_number or ""
    audit = {"case": case, "recipient": recipient, "release_request": order.release_request_id}
    with audited_access(
        session=session, actor=actor, action="evidence.exported", query=audit, justification=why
    ) as result:
        held = [held.read_id for held in holds.held_ids(session=session, case_number=case)]
        if not held:
            raise NotFound(f"no active legal hold holds reads for case {case}", field="case_number")
        reads = list(
            session.scalars(select(PlateRead).where(PlateRead.id.in_(held)).order_by(PlateRead.captured_at))
        )
        contents = _contents(session, settings.images_dir, reads)
        result.count = len(reads)
    now = utcnow()
    key = signing.signing_key(settings.data_dir)
    fingerprint = signing.fingerprint(key.public_key())
    custody = Custody(
        settings.agency.name,
        case,
        name_of(actor),
        now.isoformat(),
        reason,
        recipient,
        str(order.release_request_id or ""),
        len(reads),
        fingerprint,
        _digests(contents),
    )
    contents["custody.pdf"] = custody_pdf(custody)
    manifest = _manifest(custody, _digests(contents))
    package = _zip(contents, manifest, key.sign(manifest), signing.public_pem(key.public_key()))
    row = EvidenceExport(
        case_number=case,
        exported_by=custody.exported_by,
        exported_at=now,
        reason=reason,
        recipient_agency=recipient,
        release_request_id=order.release_request_id,
        reads=len(reads),
        files=len(contents),
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        key_fingerprint=fingerprint,
    )
    session.add(row)
    session.flush()
    return package, row


def _recipient(session: Session, settings: Settings, order: ExportOrder) -> str:
    if order.release_request_id is None:
        return check_recipient(settings, order.recipient)
    return release_service.check_fulfilment(
        session=session, settings=settings, request_id=order.release_request_id, case_number=order.case_number
    )


def _contents(session: Session, images_dir: Path, reads: list[PlateRead]) -> dict[str, bytes]:
    records: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for read in reads:
        record = {**_row(read), "plate_text": read.plate_text, "candidates": read.candidates}
        for field, sha in (
            ("plate_image", read.plate_image_sha256),
            ("overview_image", read.overview_image_sha256),
        ):
            record[field] = _image(session, images_dir, sha, files) if sha else None
        records.append(record)
    files["reads.csv"] = to_csv(reads)
    files["reads.json"] = json.dumps(records, indent=2, sort_keys=True).encode()
    return files


def _image(session: Session, images_dir: Path, sha: str, files: dict[str, bytes]) -> str:
    stored = session.get(StoredImage, sha)
    name = f"images/{sha}.{_EXTENSIONS.get(stored.content_type, 'bin') if stored else 'bin'}"
    if name not in files:
        files[name] = image_path(images_dir, sha).read_bytes()
    return name


def _digests(contents: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(contents.items())}


def _manifest(custody: Custody, digests: dict[str, str]) -> bytes:
    document = {
        "format": "plateguard-evidence/1",
        "agency": custody.agency,
        "case_number": custody.case_number,
        "exported_by": custody.exported_by,
        "exported_at": custody.exported_at,
        "reason": custody.reason,
        "recipient": custody.recipient,
        "release_request": custody.release_request or None,
        "reads": custody.reads,
        "key_fingerprint": custody.key_fingerprint,
        "files": digests,
    }
    return json.dumps(document, indent=2, sort_keys=True).encode()


def _zip(contents: dict[str, bytes], manifest: bytes, signature: bytes, public_key: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(contents.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, signature.hex())
        archive.writestr(PUBLIC_KEY, public_key)
    return buffer.getvalue()
