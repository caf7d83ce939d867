"""CSV cells that a spreadsheet will not run: formula injection (CWE-1236) neutralised on the way out.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``). Such a cell
gets a leading apostrophe, as OWASP recommends: the value stays readable and is shown as text. Numbers
are written as numbers (a negative longitude is not text and is left alone).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}
