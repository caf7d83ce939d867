"""The evidence package's signing key, manifest and check, on hand-made packages (no database).

The key is the RFC 8032 test vector 1 (section 7.1), so its public key is known without this code; the
packages are zipped here by hand, so the check is measured against files written independently of it.
These run with ``--noconftest`` in the mutation bench.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plateguard.errors import ConfigurationError
from plateguard.evidence import signing
from plateguard.evidence.custody import Custody
from plateguard.evidence.package import _digests, _manifest, _zip
from plateguard.evidence.verify import Verification, verify

RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
KEY = Ed25519PrivateKey.from_private_bytes(RFC_SECRET)
FINGERPRINT = hashlib.sha256(RFC_PUBLIC).hexdigest()
FILES = {"reads.csv": b"read_id,plate\n1,8XYZ900\n", "images/a.jpg": b"\xff\xd8\xff picture"}
DIGESTS = {
    "images/a.jpg": hashlib.sha256(b"\xff\xd8\xff picture").hexdigest(),
    "reads.csv": hashlib.sha256(b"read_id,plate\n1,8XYZ900\n").hexdigest(),
}
PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def package(
    tmp_path: Path,
    files: dict[str, bytes] | None = None,
    manifest: bytes | None = None,
    signature: str | None = None,
    key: Ed25519PrivateKey = KEY,
    leave_out: str = "",
) -> Path:
    """A package zipped by hand: the files, a manifest listing DIGESTS for case 24-00123, its signature."""
    manifest = (
        manifest
        if manifest is not None
        else json.dumps({"case_number": "24-00123", "files": DIGESTS}).encode()
    )
    signature = signature if signature is not None else key.sign(manifest).hex()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    members = {
        **(FILES if files is None else files),
        "manifest.json": manifest,
        "manifest.sig": signature.encode(),
        "public_key.pem": public,
    }
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name != leave_out:
                archive.writestr(name, data)
    return path


def test_the_key_is_made_once_private_to_the_owner_and_then_reused(tmp_path: Path) -> None:
    first = signing.signing_key(tmp_path)
    path = tmp_path / "secrets" / "evidence_signing_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "secrets").st_mode) == 0o700
    kept = path.read_bytes()
    assert kept.startswith(b"-----BEGIN PRIVATE KEY-----")
    again = signing.signing_key(tmp_path)
    assert path.read_bytes() == kept
    assert signing.fingerprint(again.public_key()) == signing.fingerprint(first.public_key())


def test_the_key_is_made_in_a_data_directory_not_yet_there_or_beside_other_secrets(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "data"
    signing.signing_key(fresh)
    assert (fresh / "secrets" / "evidence_signing_key").is_file()
    shared = tmp_path / "shared"
    (shared / "secrets").mkdir(parents=True)
    (shared / "secrets" / "session_key").write_bytes(b"another secret")
    signing.signing_key(shared)
    assert (shared / "secrets" / "evidence_signing_key").is_file()
    assert (shared / "secrets" / "session_key").read_bytes() == b"another secret"


def test_an_existing_key_file_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    pem = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "secrets" / "evidence_signing_key").write_bytes(pem)
    assert signing.fingerprint(signing.signing_key(tmp_path).public_key()) == FINGERPRINT


def test_an_unreadable_or_foreign_key_is_an_error_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "evidence_signing_key"
    path.parent.mkdir()
    path.write_bytes(b"not a key")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        signing.signing_key(tmp_path)
    assert path.read_bytes() == b"not a key"
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(other)
    with pytest.raises(ConfigurationError, match="not an Ed25519 key"):
        signing.signing_key(tmp_path)
    path.unlink()
    path.mkdir()  # in the key's place, something that cannot be read as a file
    with pytest.raises(ConfigurationError, match="cannot be read"):
        signing.signing_key(tmp_path)
    assert path.is_dir()


def test_the_fingerprint_is_the_sha256_of_the_raw_public_key() -> None:
    assert signing.fingerprint(KEY.public_key()) == FINGERPRINT
    assert signing.public_pem(KEY.public_key()) == PEM
    assert signing.fingerprint(signing.load_public(PEM)) == FINGERPRINT
    foreign = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        signing.load_public(
            foreign.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )


def test_a_package_as_signed_is_intact(tmp_path: Path) -> None:
    report = verify(package(tmp_path), trusted_fingerprint=FINGERPRINT)
    assert report.intact and report.signature_ok and report.trusted_key is True
    assert report.key_fingerprint == FINGERPRINT and report.case_number == "24-00123"
    assert (report.altered, report.missing, report.added, report.problems) == ([], [], [], [])


def test_without_an_agency_key_to_compare_the_key_is_neither_trusted_nor_distrusted(tmp_path: Path) -> None:
    report = verify(package(tmp_path))
    assert report.intact and report.trusted_key is None


def test_a_package_signed_with_another_key_is_not_intact(tmp_path: Path) -> None:
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    report = verify(package(tmp_path, key=other), trusted_fingerprint=FINGERPRINT)
    assert report.signature_ok and report.trusted_key is False and not report.intact
    assert report.problems == ["signed with a key other than this agency's evidence key"]


def test_changed_missing_and_added_files_are_each_named(tmp_path: Path) -> None:
    files = {"reads.csv": b"read_id,plate\n1,7FAKE00\n", "extra.txt": b"planted", "z.txt": b"more"}
    report = verify(package(tmp_path, files=files))
    assert report.signature_ok and not report.intact
    assert report.altered == ["reads.csv"]
    assert report.missing == ["images/a.jpg"]
    assert report.added == ["extra.txt", "z.txt"]
    assert report.problems == []


def test_a_changed_manifest_breaks_the_signature(tmp_path: Path) -> None:
    signed = json.dumps({"case_number": "24-00123", "files": DIGESTS}).encode()
    forged = json.dumps({"case_number": "24-00999", "files": DIGESTS}).encode()
    report = verify(package(tmp_path, manifest=forged, signature=KEY.sign(signed).hex()))
    assert not report.signature_ok and not report.intact
    assert report.problems == ["the signature does not match manifest.json: the manifest was changed"]
    assert report.key_fingerprint == ""


@pytest.mark.parametrize("missing", ["manifest.json", "manifest.sig", "public_key.pem"])
def test_a_package_without_its_signing_files_is_refused(tmp_path: Path, missing: str) -> None:
    report = verify(package(tmp_path, leave_out=missing))
    assert report.problems == [f"{missing} is missing"] and not report.intact and not report.signature_ok


def test_unreadable_signature_archive_or_manifest_are_problems(tmp_path: Path) -> None:
    garbled = verify(package(tmp_path, signature="zz"))
    assert not garbled.intact and garbled.problems[0].startswith(
        "the signature or the public key cannot be read"
    )
    (tmp_path / "junk.zip").write_bytes(b"PK not really")
    junk = verify(tmp_path / "junk.zip")
    assert not junk.intact and junk.problems[0].startswith("not a readable zip file")
    assert junk.case_number == "" and junk.key_fingerprint == "" and junk.trusted_key is None
    absent = verify(tmp_path / "no-such-package.zip")
    assert not absent.intact and absent.problems[0].startswith("not a readable zip file")
    not_json = verify(package(tmp_path, manifest=b"not json at all"))
    assert not_json.signature_ok and not_json.problems == ["manifest.json is not a plateguard manifest"]
    assert not_json.case_number == ""
    odd = verify(package(tmp_path, manifest=b'{"case": 1}'))
    assert odd.signature_ok and not odd.intact
    assert odd.problems == ["manifest.json is not a plateguard manifest"]
    assert verify(package(tmp_path, manifest=b"[1, 2]")).problems == [
        "manifest.json is not a plateguard manifest"
    ]


def test_a_manifest_without_a_case_number_reads_as_none(tmp_path: Path) -> None:
    report = verify(package(tmp_path, manifest=json.dumps({"files": DIGESTS}).encode()))
    assert report.intact and report.case_number == ""


@pytest.mark.parametrize("field", ["altered", "missing", "added", "problems"])
def test_any_finding_makes_a_package_not_intact(field: str) -> None:
    report = Verification(signature_ok=True, trusted_key=True)
    assert report.intact
    getattr(report, field).append("x")
    assert not report.intact
    assert not Verification(signature_ok=False).intact


def custody() -> Custody:
    return Custody(
        agency="Manteca Police Department",
        case_number="24-00123",
        exported_by="Det. Ruiz (ruiz)",
        exported_at="2024-05-01T10:00:00+00:00",
        reason="Court order",
        recipient="San Joaquin County District Attorney",
        release_request="",
        reads=2,
        key_fingerprint=FINGERPRINT,
        files={},
    )


def test_the_manifest_lists_every_file_with_its_sha256_and_the_custody(tmp_path: Path) -> None:
    assert _digests(FILES) == DIGESTS
    manifest = json.loads(_manifest(custody(), DIGESTS))
    assert manifest == {
        "format": "plateguard-evidence/1",
        "agency": "Manteca Police Department",
        "case_number": "24-00123",
        "exported_by": "Det. Ruiz (ruiz)",
        "exported_at": "2024-05-01T10:00:00+00:00",
        "reason": "Court order",
        "recipient": "San Joaquin County District Attorney",
        "release_request": None,
        "reads": 2,
        "key_fingerprint": FINGERPRINT,
        "files": DIGESTS,
    }
    assert list(json.loads(_manifest(custody(), {"b": "2", "a": "1"}))["files"]) == ["a", "b"]
    assert _manifest(custody(), DIGESTS).startswith(b'{\n  "agency"')


def test_a_zipped_package_holds_the_files_and_its_signing_files(tmp_path: Path) -> None:
    manifest = _manifest(custody(), DIGESTS)
    data = _zip(FILES, manifest, KEY.sign(manifest), PEM)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [
            "images/a.jpg",
            "reads.csv",
            "manifest.json",
            "manifest.sig",
            "public_key.pem",
        ]
        assert archive.read("manifest.sig") == KEY.sign(manifest).hex().encode()
        assert archive.read("public_key.pem") == PEM and archive.read("manifest.json") == manifest
        assert archive.getinfo("reads.csv").compress_type == zipfile.ZIP_DEFLATED
    (tmp_path / "p.zip").write_bytes(data)
    assert verify(tmp_path / "p.zip", trusted_fingerprint=FINGERPRINT).intact
