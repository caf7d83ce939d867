"""``plateguard evidence export`` and ``plateguard evidence verify``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from plateguard.cli_common import ConfigOption, DataDirOption, friendly_errors, open_database, settings_from
from plateguard.database import make_session_factory, transaction

evidence_app = typer.Typer(
    help="Evidence packages: export a case's held reads, verify a package.", no_args_is_help=True
)


@evidence_app.command("export")
@friendly_errors
def evidence_export(
    case: Annotated[str, typer.Option("--case", help="Case number whose held reads go in the package.")],
    out: Annotated[Path, typer.Option("--out", help="Package file to write (.zip).")],
    username: Annotated[
        str, typer.Option("--as", help="Username of the person exporting (evidence:export).")
    ],
    reason: Annotated[str, typer.Option(help="Why the package is made (on the custody record).")],
    recipient: Annotated[str, typer.Option(help="Agency receiving it (default: the home agency).")] = "",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the signed evidence package of a case; the export is in the access log."""
    from plateguard.cli_support import acting_user
    from plateguard.evidence.package import ExportOrder, export

    settings = settings_from(config, data_dir)
    if out.exists():
        raise typer.BadParameter(f"{out} exists; choose a new file name", param_hint="--out")
    with transaction(make_session_factory(open_database(settings))) as session:
        actor = acting_user(session, username, "evidence:export", today=settings.agency.today())
        order = ExportOrder(case, reason, recipient)
        package, row = export(session=session, actor=actor, settings=settings, order=order)
    # Written only once the export and its custody record are committed: no package exists unrecorded.
    write_whole(out, package)
    typer.echo(f"Wrote {out}: {row.reads} reads, {row.files} files, manifest SHA-256 {row.manifest_sha256}.")


def write_whole(out: Path, data: bytes) -> None:
    """Write beside ``out`` and rename: a stop midway never leaves a half package under its name."""
    partial = out.with_name(f".{out.name}.partial")
    with partial.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, out)


@evidence_app.command("verify")
@friendly_errors
def evidence_verify(
    package: Annotated[Path, typer.Argument(help="Evidence package (.zip) to check.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Report any altered, missing or added file; with --data-dir, also that the agency's key signed it."""
    from plateguard.evidence import signing
    from plateguard.evidence.verify import verify

    trusted = None
    if data_dir is not None:
        settings = settings_from(config, data_dir)
        trusted = signing.fingerprint(signing.signing_key(settings.data_dir).public_key())
    report = verify(package, trusted_fingerprint=trusted)
    for kind, names in (("ALTERED", report.altered), ("MISSING", report.missing), ("ADDED", report.added)):
        for name in names:
            typer.echo(f"{kind}: {name}", err=True)
    for problem in report.problems:
        typer.echo(f"PROBLEM: {problem}", err=True)
    if not report.intact:
        typer.echo(f"{package}: NOT INTACT", err=True)
        raise typer.Exit(1)
    signer = (
        "this agency's key" if report.trusted_key else "the key in the package (give --data-dir to check it)"
    )
    typer.echo(f"{package}: intact; case {report.case_number}; signed by {signer}, {report.key_fingerprint}.")
