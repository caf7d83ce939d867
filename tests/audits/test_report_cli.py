"""``plateguard audit report`` as a user runs it: a real process, real files, one-line errors."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import init, run_cli


def test_the_report_is_written_as_html_or_pdf_and_mistakes_end_in_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    period = ("--from", "2026-10-01", "--to", "2026-10-31", "--data-dir", str(data_dir))
    html = run_cli("audit", "report", *period, "--out", str(tmp_path / "october.html"), cwd=tmp_path)
    assert html.returncode == 0, html.stderr
    assert "Report of 2026-10-01 to 2026-10-31 (0 audits)" in html.stdout
    page = (tmp_path / "october.html").read_text()
    assert "ALPR compliance report" in page and "No audit covers this period." in page
    assert "<style>" in page and page.count("data:image/svg+xml;base64,") == 4  # self-contained
    pdf = run_cli("audit", "report", *period, "--out", str(tmp_path / "october.pdf"), cwd=tmp_path)
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "october.pdf").read_bytes().startswith(b"%PDF")
    wrong = run_cli("audit", "report", *period, "--out", str(tmp_path / "october.docx"), cwd=tmp_path)
    assert wrong.returncode == 1 and wrong.stderr.strip() == "error: --out must end in .html or .pdf"
    reversed_period = ("--from", "2026-10-31", "--to", "2026-10-01", "--data-dir", str(data_dir))
    backwards = run_cli("audit", "report", *reversed_period, "--out", str(tmp_path / "x.pdf"), cwd=tmp_path)
    assert backwards.returncode == 1
    assert backwards.stderr.strip() == "error: the period must end on or after its first day"
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "october.docx").exists()
