"""``plateguard audit report``: the compliance report of a period, as an HTML or PDF file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from plateguard.cli_common import ConfigOption, DataDirOption, friendly_errors, open_database, settings_from
from plateguard.errors import InvalidInput

FORMATS = (".html", ".pdf")


def register(audit_app: typer.Typer) -> None:
    audit_app.command("report")(audit_report)


@friendly_errors
def audit_report(
    from_date: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (agency time).")
    ],
    to_date: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.pdf to write.")],
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the compliance report of a period: its audits and findings, refusals and charts."""
    from plateguard.access_log.service import Actor, audited_access
    from plateguard.audits import report
    from plateguard.audits.service import period_of
    from plateguard.database import make_session_factory, transaction

    if out.suffix.lower() not in FORMATS:
        raise InvalidInput("--out must end in .html or .pdf", field="out")
    settings = settings_from(config, data_dir)
    start, end = from_date.date(), to_date.date()
    period_of(settings, start, end)  # refuses a reversed or over-long period
    actor = Actor.system(settings.agency.name, "audit report (command line)")
    with transaction(make_session_factory(open_database(settings))) as session:
        query = {"period": f"{start}..{end}", "out": out.name}
        with audited_access(
            session=session, actor=actor, action="audit.report", query=query, justification=None
        ):
            data = report.gather(session=session, settings=settings, start=start, end=end)
            content = (
                report.pdf(data)
                if out.suffix.lower() == ".pdf"
                else report.html(data, standalone=True).encode()
            )
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}", field="out") from exc
    typer.echo(f"Report of {start} to {end} ({len(data.audits)} audits) written to {out}")
