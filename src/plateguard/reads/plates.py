"""Plate text rules shared by every domain that stores, matches or searches plates."""

from __future__ import annotations

import re

_NOT_PLATE_CHARACTER = re.compile(r"[^A-Z0-9]")

CONFUSION_GROUPS = ("O0DQ", "I1LT", "B8", "S5", "Z2", "G6")
"""Characters plate readers confuse with each other (O/0/D/Q, I/1/L/T, B/8, S/5, Z/2, G/6): the one
table of look-alikes, so a search and an alert agree on what a look-alike is."""


def normalize_plate(text: str) -> str:
    """Upper-case and keep only A-Z and 0-9: the form plates are stored, matched and searched in."""
    return _NOT_PLATE_CHARACTER.sub("", text.upper())
