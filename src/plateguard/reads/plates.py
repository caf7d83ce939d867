"""Plate text rules shared by every domain that stores, matches or searches plates."""

from __future__ import annotations

import re

_NOT_PLATE_CHARACTER = re.compile(r"[^A-Z0-9]")


def normalize_plate(text: str) -> str:
    """Upper-case and keep only A-Z and 0-9: the form plates are stored, matched and searched in."""
    return _NOT_PLATE_CHARACTER.sub("", text.upper())
