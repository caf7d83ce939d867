"""Plate states in one internal code: USPS for US states, ISO 3166-2 suffixes for Canada and Mexico.

NCIC LIS codes differ from USPS/ISO in places (reference §8.3): NB is Nebraska in NCIC but New
Brunswick in ISO. Files derived from NCIC are converted with ``from_ncic``; everything else (reads'
``us-ca`` regions, Rekor ``ca-on``, plain ``CA``) with ``from_region_or_usps``.
"""

from __future__ import annotations

import re

NCIC_TO_INTERNAL = {
    "NB": "NE",  # Nebraska (NCIC NE is the Netherlands)
    "GM": "GU",  # Guam
    "AM": "AS",  # American Samoa
    "MK": "MP",  # Northern Mariana Islands
    "NK": "NB",  # New Brunswick
    "NF": "NL",  # Newfoundland and Labrador
    "PQ": "QC",  # Quebec
    "SN": "SK",  # Saskatchewan
}
_TWO_LETTERS = re.compile(r"^[A-Z]{2}$")


def from_ncic(code: str) -> str | None:
    """An NCIC LIS code as written in hot files (zero for O: 0H, 0R) in the internal form."""
    code = code.strip().upper().replace("0", "O")
    if not code or code in ("XX", "YY"):
        return None
    return NCIC_TO_INTERNAL.get(code, code) if _TWO_LETTERS.match(code) else None


def from_region_or_usps(value: str) -> str | None:
    """``us-ca``, ``ca-on``, ``CA`` or empty (any state); raises ValueError for anything else."""
    value = value.strip().upper()
    if not value:
        return None
    if "-" in value:
        value = value.split("-", 1)[1]
    if not _TWO_LETTERS.match(value):
        raise ValueError(f"state {value!r} is not a two-letter code")
    return value


def of_read(region: str | None) -> str | None:
    """The state of a read's region (``us-ca`` -> ``CA``), or None when unknown."""
    if not region or "-" not in region:  # a country alone (``fr``) names no state
        return None
    try:
        return from_region_or_usps(region)
    except ValueError:
        return None
