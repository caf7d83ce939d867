"""The one rule set for partial plates (policy 460.3(c)), wherever an entry comes from.

A partial plate (``?`` one character, ``*`` any run) matches many innocent cars, so the policy allows it
only for a major crime: the person entering it holds ``hotlists:partial``, and the entry carries the case
number, an expiry and a purpose. The hand-entry form, the JSON API and file imports all call
``problem_with``; an import names the file line of the first partial row that breaks the rule and stores
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plateguard.hotlists.parsed import HotFileError, ParsedEntry, ParsedFile

PERMISSION = "hotlists:partial"
WILDCARD_PLATE = re.compile(r"^[A-Z0-9?*]+$")


@dataclass(frozen=True)
class PartialProblem:
    field: str
    message: str
    forbidden: bool = False  # a missing permission, not a missing value


def problem_with(
    entry: ParsedEntry, *, purpose: str | None, may_enter_partial: bool
) -> PartialProblem | None:
    """Why this entry may not be stored, or None (full plates always pass here)."""
    if not entry.is_wildcard:
        return None
    if not may_enter_partial:
        return PartialProblem("plate", f"partial-plate entries need the permission {PERMISSION}", True)
    if not (entry.case_number or "").strip():
        return PartialProblem("case_number", "a partial plate needs the case number of the major crime")
    if entry.expires_at is None:
        return PartialProblem("expires_at", "a partial plate needs an expiry date")
    if not (purpose or "").strip():
        return PartialProblem("purpose", "a partial plate needs a purpose")
    if not WILDCARD_PLATE.fullmatch(entry.plate) or len(entry.plate.strip("?*")) < 2:
        return PartialProblem("plate", "a partial plate needs at least two known characters")
    return None


def check_file(parsed: ParsedFile, *, purpose: str | None, may_enter_partial: bool) -> None:
    """Refuse a whole import whose partial rows break the rule, naming the first one's line."""
    for entry in parsed.entries:
        problem = problem_with(entry, purpose=purpose, may_enter_partial=may_enter_partial)
        if problem is not None:
            raise HotFileError(entry.line, f"partial plate {entry.plate}: {problem.message}")
