"""The compliance report of a period: audits and their findings, refusals, and the four charts.

The same data becomes an HTML page (self-contained, charts as SVG) or a PDF (fpdf2, charts as PNG).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from plateguard.audits import charts, statistics
from plateguard.audits.models import Audit, Finding
from plateguard.audits.rules import RULE_LABELS
from plateguard.audits.service import counts, findings_digest
from plateguard.audits.statistics import Series, Window
from plateguard.config import Settings

TEMPLATE_DIR = Path(__file__).parent.parent / "web" / "templates"
STYLE_FILE = Path(__file__).parent.parent / "web" / "static" / "audit-report.css"
_ENV = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html"]))


@dataclass(frozen=True)
class ReportData:
    agency: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    zone: ZoneInfo
    audits: list[Audit]
    charts: list[Series]
    prohibited_refusals: int

    def local(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else ""


def gather(
    *, session: Session, settings: Settings, start: dt.date, end: dt.date, audit: Audit | None = None
) -> ReportData:
    """The figures of the period, with the given audit or every audit whose period overlaps it."""
    zone = ZoneInfo(settings.agency.timezone)
    window = Window.of_days(start, end, zone)
    audits = (
        [audit]
        if audit is not None
        else list(
            session.scalars(
                select(Audit)
                .where(Audit.period_start <= end, Audit.period_end >= start)
                .order_by(Audit.period_start, Audit.id)
            )
        )
    )
    series = [
        statistics.searches_per_week_by_purpose(session, window),
        statistics.alerts_by_outcome(session, window),
        statistics.misreads_per_camera(session, window),
        statistics.sharing_by_recipient(session, window, name_private=True),
    ]
    return ReportData(
        agency=settings.agency.name,
        start=start,
        end=end,
        generated_at=dt.datetime.now(dt.UTC),
        zone=zone,
        audits=audits,
        charts=series,
        prohibited_refusals=statistics.prohibited_refusals(session, window),
    )


def html(data: ReportData, *, standalone: bool) -> str:
    """The report page; ``standalone`` embeds its stylesheet (for a file), else links it (in the console)."""
    template = _ENV.get_template("audit_report.html")
    return template.render(
        data=data,
        charts=[(s, charts.svg_data_url(s)) for s in data.charts],
        counts=counts,
        digest=findings_digest,
        rule_labels=RULE_LABELS,
        findings={f.value: f.label for f in Finding},
        style=STYLE_FILE.read_text() if standalone else None,
    )


class _ReportPdf(FPDF):
    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.cell(0, 6, f"{self.title_text} - page {self.page_no()}/{{nb}}", align="C")


def pdf(data: ReportData) -> bytes:
    document = _ReportPdf(format="Letter")
    document.title_text = f"{data.agency}: ALPR compliance report {data.start} to {data.end}"
    document.set_title(document.title_text)
    document.set_auto_page_break(auto=True, margin=16)
    document.add_page()
    document.set_font("helvetica", "B", 15)
    _line(document, 8, document.title_text)
    document.set_font("helvetica", size=9)
    generated = f"Generated {data.local(data.generated_at)}. Times in {data.zone.key}."
    _line(document, 5, generated)
    document.ln(2)
    _pdf_audits(document, data)
    refusals = f"Searches refused for a prohibited purpose in the period: {data.prohibited_refusals}"
    document.set_font("helvetica", "B", 11)
    _line(document, 7, refusals)
    for series in data.charts:
        if document.get_y() > 170:
            document.add_page()
        document.set_font("helvetica", "B", 11)
        _line(document, 7, series.title)
        document.image(io.BytesIO(charts.png(series)), w=175)
        document.ln(2)
    return bytes(document.output())


def _pdf_audits(document: FPDF, data: ReportData) -> None:
    document.set_font("helvetica", "B", 12)
    _line(document, 7, f"Audits of the period ({len(data.audits)})")
    if not data.audits:
        document.set_font("helvetica", size=10)
        _line(document, 6, "No audit covers this period.")
    for audit in data.audits:
        tally = counts(audit)
        state = (
            f"signed off by {audit.signed_off_by} on {data.local(audit.signed_off_at)}"
            if audit.signed_off
            else "OPEN: not signed off"
        )
        document.set_font("helvetica", "B", 10)
        _line(document, 6, f"Audit {audit.id}: {audit.period_start} to {audit.period_end}, {state}")
        document.set_font("helvetica", size=9)
        line = ", ".join(
            f"{label}: {tally[key]}"
            for key, label in (
                ("justified", "justified"),
                ("needs_follow_up", "needs follow-up"),
                ("violation", "violations"),
                ("open", "open"),
            )
        )
        _line(document, 5, f"{len(audit.items)} items ({line}).")
        if audit.summary:
            _line(document, 5, f"Summary: {audit.summary}")
        with document.table(col_widths=(30, 90, 25, 45), text_align="LEFT", line_height=4.5) as table:
            table.row(("Rule", "Item", "Finding", "Note"))
            for item in audit.items:
                finding = Finding(item.finding).label if item.finding else "open"
                table.row(
                    (RULE_LABELS.get(item.rule, item.rule), _latin(item.subject), finding, _latin(item.note))
                )
        if audit.signed_off:
            _line(document, 5, f"Findings digest (SHA-256, in the access log): {findings_digest(audit)}")
        document.ln(3)


def _line(document: FPDF, height: float, text: str) -> None:
    document.multi_cell(0, height, _latin(text), new_x="LMARGIN", new_y="NEXT", align="L")


def _latin(text: str) -> str:
    """The PDF's built-in fonts hold Latin-1 only; anything else is shown as '?'."""
    return text.replace("·", "-").replace("…", "...").encode("latin-1", "replace").decode("latin-1")
