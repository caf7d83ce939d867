"""Plate states in one internal code: USPS for US states, ISO 3166-2 suffixes for Canada and Mexico.

NCIC LIS codes differ from USPS/ISO in places (reference §8.3): NB is Nebraska in NCIC but New
Brunswick in ISO. Files derived from NCIC are converted with ``from_ncic``; everything else (reads'
``us-ca`` regions, Rekor ``ca-on``, plain ``CA``) with ``from_region_or_usps``.
"""

from __future__ import annotations

import re

from plateguard.reads import regions

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
    """``us-ca``, ``ca-on``, ``CA`` or empty (any state); raises ValueError for anything else.

    Read the way a read's region is (``reads.regions``: a bare code is a US state first), so a list entry
    and a read name the same state the same way."""
    if not value.strip():
        return None
    code = regions.normalize(value).code
    if (code is None or "-" not in code) and _TWO_LETTERS.match(value.strip().upper()):
        code = regions.normalize(f"ca-{value.strip()}").code  # a bare Canadian province (ON, QC)
    state = code.split("-", 1)[1].upper() if code and "-" in code else None
    if state is None or not _TWO_LETTERS.match(state):
        raise ValueError(f"state {value.strip().upper()!r} is not a US state or a province code")
    return state


def of_read(region: str | None) -> str | None:
    """The state of a read's region (``us-ca`` -> ``CA``), or None when unknown."""
    if not region or "-" not in region:  # a country alone (``fr``) names no state
        return None
    try:
        return from_region_or_usps(region)
    except ValueError:
        return None
