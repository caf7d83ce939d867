"""Region codes as senders write them, mapped to one stored form (ISO 3166, lower case).

Stored forms: ``us-ca`` (a US state or territory), ``ca-on`` or ``mx-bcn`` (a subdivision elsewhere),
``fr`` (a country alone). Senders write ``us-ca``, ``US_CA``, bare ``ca``/``mo`` (OpenALPR's US
configuration: a state) or bare ``fr`` (Plate Recognizer: a country), or ``usa``. A code that maps to
nothing is not dropped: it is kept as sent, and the read is flagged (``region_unmapped``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import pycountry

_SUBDIVISION = re.compile(r"^([a-z]{2})-([a-z0-9]{1,3})$")
_SEPARATORS = re.compile(r"[\s_]+")
MAX_SENT_LENGTH = 32


class BareCode(StrEnum):
    """What a two-letter code without a country means to this sender."""

    STATE = "state"  # a US state first (``mo``, ``ga``), a country when no state has that code
    COUNTRY = "country"  # a country (``fr``, ``de``)


@dataclass(frozen=True)
class Region:
    code: str | None  # the stored form, or None
    unmapped: str | None = None  # the code as sent, when it maps to nothing


def _subdivision(country: str, part: str) -> str | None:
    code = f"{country}-{part}".upper()
    found = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return code.lower() if found is not None else None


def _country(code: str) -> str | None:
    found = (
        pycountry.countries.get(alpha_2=code.upper())
        if len(code) == 2
        else pycountry.countries.get(alpha_3=code.upper())
    )
    return found.alpha_2.lower() if found is not None else None


def normalize(value: object, *, bare: BareCode = BareCode.STATE) -> Region:
    """The stored form of a sender's region code; never raises, never loses what was sent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Region(None)
    return _normalize(str(value).strip()[:MAX_SENT_LENGTH], bare)


@lru_cache(maxsize=4096)
def _normalize(sent: str, bare: BareCode) -> Region:
    text = _SEPARATORS.sub("-", sent.lower())
    code: str | None = None
    if match := _SUBDIVISION.match(text):
        code = _subdivision(match.group(1), match.group(2))
    elif re.fullmatch(r"[a-z]{2}", text):
        state = _subdivision("us", text) if bare is BareCode.STATE else None
        code = state or _country(text)
    elif re.fullmatch(r"[a-z]{3}", text):
        code = _country(text)
    return Region(code) if code else Region(None, sent)
