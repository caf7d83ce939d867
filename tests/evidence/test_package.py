"""Evidence packages: a round trip through export and verify, and every kind of tampering detected."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from plateguard.access_log.models import AccessRecord
from plateguard.accounts.roles import Role
from plateguard.cli import app
from plateguard.database import transaction
from plateguard.errors import Forbidden, NotFound
from plateguard.evidence.package import ExportOrder, export
from plateguard.evidence.verify import verify
from plateguard.retention import holds
from plateguard.retention.models import HoldReason
from plateguard.retention.schemas import HoldCreate, HoldCriteria
from tests.conftest import Prepared
from tests.retention.conftest import actor, add_read, picture

CASE = "26-004711"


def held_case(store: Prepared) -> None:
    add_read(store, days_old=2, plate="8XYZ900", image=picture(11))
    add_read(store, days_old=1, plate="8XYZ900", image=picture(12))
    add_read(store, days_old=1, plate="OTHER1", image=picture(13))
    with transaction(store.factory) as session:
        form = HoldCreate(
            case_number=CASE,
            reason=HoldReason.EVIDENCE,
            requester="Det. Nair",
            criteria=HoldCriteria(plate="8XYZ900"),
        )
        holds.place(session=session, actor=actor(session, "custodian"), form=form)


def make_package(store: Prepared, tmp_path: Path, recipient: str = "") -> Path:
    with transaction(store.factory) as session:
        data, _ = export(
            session=session,
            actor=actor(session, "lieutenant"),
            settings=store.settings,
            order=ExportOrder(CASE, "Booked for the preliminary hearing", recipient),
        )
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    return path


def rewritten(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the package with files replaced (bytes), removed (None) or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename in change:
                continue
            new.writestr(info.filename, old.read(info))
        for name, data in change.items():
            if data is not None:
                new.writestr(name, data)
    return target


def test_package_holds_the_case_reads_images_custody_and_a_valid_signature(
    store: Prepared, tmp_path: Path
) -> None:
    held_case(store)
    path = make_package(store, tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        rows = list(csv.DictReader(io.StringIO(archive.read("reads.csv").decode())))
        records = json.loads(archive.read("reads.json"))
        manifest = json.loads(archive.read("manifest.json"))
        image = archive.read(records[0]["plate_image"])
        pdf = archive.read("custody.pdf")
    assert {
        "reads.csv",
        "reads.json",
        "custody.pdf",
        "manifest.json",
        "manifest.sig",
        "public_key.pem",
    } <= names
    assert [row["plate"] for row in rows] == ["8XYZ900", "8XYZ900"]  # the other plate is not in the case
    assert image in (picture(11), picture(12))  # the original bytes
    assert pdf.startswith(b"%PDF")
    assert manifest["case_number"] == CASE and manifest["recipient"] == store.settings.agency.name
    assert set(manifest["files"]) == names - {"manifest.json", "manifest.sig", "public_key.pem"}
    assert (
        manifest["files"]["reads.csv"] == hashlib.sha256(zipfile.ZipFile(path).read("reads.csv")).hexdigest()
    )
    report = verify(path)
    assert report.intact and report.case_number == CASE
    with transaction(store.factory) as session:
        logged = session.scalars(select(AccessRecord).where(AccessRecord.action == "evidence.exported")).one()
        assert (logged.case_number, logged.result_count) == (CASE, 2)
        assert logged.query["recipient"] == store.settings.agency.name


@pytest.mark.parametrize(
    "change, kind",
    [
        ({"reads.csv": b"read_id,plate\nforged,7FAKE00\n"}, "altered"),
        ({"custody.pdf": None}, "missing"),
        ({"images/extra.jpg": b"\xff\xd8\xff planted"}, "added"),
    ],
)
def test_tampering_is_reported_by_file(
    store: Prepared, tmp_path: Path, change: dict[str, bytes | None], kind: str
) -> None:
    held_case(store)
    tampered = rewritten(make_package(store, tmp_path), tmp_path / "tampered.zip", change)
    report = verify(tampered)
    assert not report.intact
    assert getattr(report, kind) == list(change)


def test_one_changed_byte_in_an_image_is_found(store: Prepared, tmp_path: Path) -> None:
    held_case(store)
    path = make_package(store, tmp_path)
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.startswith("images/"))
        data = bytearray(archive.read(name))
    data[len(data) // 2] ^= 0x01
    report = verify(rewritten(path, tmp_path / "flipped.zip", {name: bytes(data)}))
    assert report.altered == [name] and not report.intact


def test_a_rewritten_manifest_breaks_the_signature(store: Prepared, tmp_path: Path) -> None:
    held_case(store)
    path = make_package(store, tmp_path)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    manifest["files"]["reads.csv"] = "0" * 64
    report = verify(rewritten(path, tmp_path / "m.zip", {"manifest.json": json.dumps(manifest).encode()}))
    assert not report.intact and not report.signature_ok


def test_export_refuses_an_unknown_recipient_and_a_case_without_holds(
    store: Prepared, tmp_path: Path
) -> None:
    held_case(store)
    with pytest.raises(Forbidden, match="sharing partner"):
        make_package(store, tmp_path, recipient="Reno Police Department")
    with transaction(store.factory) as session, pytest.raises(NotFound):
        export(
            session=session,
            actor=actor(session, "lieutenant"),
            settings=store.settings,
            order=ExportOrder("99-000001", "No such case here"),
        )


def test_cli_export_and_verify(store: Prepared, tmp_path: Path) -> None:
    held_case(store)
    from plateguard.accounts.roles import permissions_for

    assert "evidence:export" in permissions_for({Role.ADMINISTRATOR})
    env = {"PLATEGUARD_DATABASE_URL": store.settings.resolved_database_url}
    data_dir = str(store.settings.data_dir)
    out = tmp_path / "case.zip"
    runner = CliRunner()
    made = runner.invoke(
        app,
        [
            "evidence",
            "export",
            "--case",
            CASE,
            "--out",
            str(out),
            "--as",
            "lieutenant",
            "--reason",
            "Court exhibit",
            "--data-dir",
            data_dir,
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["evidence", "verify", str(out), "--data-dir", data_dir], env=env)
    assert checked.exit_code == 0 and "this agency's key" in checked.output
    broken = rewritten(out, tmp_path / "b.zip", {"reads.json": None})
    refused = runner.invoke(app, ["evidence", "verify", str(broken)], env=env)
    assert refused.exit_code == 1 and "MISSING: reads.json" in refused.output
