"""Checking an evidence package: the signature over the manifest, and every file against the manifest."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from plateguard.evidence import signing
from plateguard.evidence.package import MANIFEST, PUBLIC_KEY, SIGNATURE

SIGNING_FILES = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY})


@dataclass
class Verification:
    signature_ok: bool = False
    key_fingerprint: str = ""
    trusted_key: bool | None = None  # None: no agency key to compare with
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    case_number: str = ""

    @property
    def intact(self) -> bool:
        whole = self.signature_ok and not (self.altered or self.missing or self.added or self.problems)
        return whole and self.trusted_key is not False


def verify(path: Path, *, trusted_fingerprint: str | None = None) -> Verification:
    """Everything wrong with the package; ``intact`` when nothing is."""
    report = Verification()
    try:
        with zipfile.ZipFile(path) as archive:
            contents = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"not a readable zip file: {exc}")
        return report
    for name in sorted(SIGNING_FILES - contents.keys()):
        report.problems.append(f"{name} is missing")
    if report.problems:
        return report
    _check_signature(report, contents, trusted_fingerprint)
    try:
        manifest = json.loads(contents[MANIFEST])
        listed: dict[str, str] = dict(manifest["files"])
        report.case_number = str(manifest.get("case_number", ""))
    except (ValueError, KeyError, TypeError):
        report.problems.append("manifest.json is not a plateguard manifest")
        return report
    present = {name: data for name, data in contents.items() if name not in SIGNING_FILES}
    report.missing = sorted(listed.keys() - present.keys())
    report.added = sorted(present.keys() - listed.keys())
    report.altered = sorted(
        name
        for name in listed.keys() & present.keys()
        if hashlib.sha256(present[name]).hexdigest() != listed[name]
    )
    return report


def _check_signature(report: Verification, contents: dict[str, bytes], trusted: str | None) -> None:
    try:
        key = signing.load_public(contents[PUBLIC_KEY])
        key.verify(bytes.fromhex(contents[SIGNATURE].decode().strip()), contents[MANIFEST])
    except (ValueError, UnicodeDecodeError) as exc:
        report.problems.append(f"the signature or the public key cannot be read: {exc}")
        return
    except InvalidSignature:
        report.problems.append("the signature does not match manifest.json: the manifest was changed")
        return
    report.signature_ok = True
    report.key_fingerprint = signing.fingerprint(key)
    if trusted is not None:
        report.trusted_key = report.key_fingerprint == trusted
        if not report.trusted_key:
            report.problems.append("signed with a key other than this agency's evidence key")
