"""The printable chain-of-custody record of an evidence package (PDF, made with fpdf2)."""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF


@dataclass(frozen=True)
class Custody:
    agency: str
    case_number: str
    exported_by: str
    exported_at: str  # ISO 8601, UTC
    reason: str
    recipient: str
    release_request: str
    reads: int
    key_fingerprint: str
    files: dict[str, str]  # name -> SHA-256


def _latin(text: str) -> str:
    """The PDF core fonts hold Latin-1 only; anything else is shown as '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def custody_pdf(custody: Custody) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(
        0, 10, _latin(f"{custody.agency}: ALPR evidence - chain of custody"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", size=10)
    rows = (
        ("Case number", custody.case_number),
        ("Exported by", custody.exported_by),
        ("Exported at (UTC)", custody.exported_at),
        ("Reason", custody.reason),
        ("Recipient agency", custody.recipient),
        ("Release request", custody.release_request or "none (agency's own use)"),
        ("Plate reads", str(custody.reads)),
        ("Signing key (SHA-256)", custody.key_fingerprint),
    )
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(48, 6, _latin(label))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 6, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Files in the package (SHA-256)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", size=7)
    for name, digest in sorted(custody.files.items()):
        pdf.multi_cell(0, 4, _latin(f"{digest}  {name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(
        0,
        6,
        "manifest.json lists every file with its SHA-256 and is signed (manifest.sig, Ed25519) "
        "with the key in public_key.pem. Check with: plateguard evidence verify <package.zip>",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(6)
    for line in ("Received by (name, agency):", "Signature:", "Date and time:", "Booked as item no.:"):
        pdf.cell(0, 10, f"{line} ________________________________________", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
