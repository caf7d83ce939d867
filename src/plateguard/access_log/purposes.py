"""Which purpose may be given by whom, and for which actions it stands in for a case number.

Every search, canvass, timeline and export needs a case or incident number. A purpose may waive it only
for the actions its rule names (``access.purpose_rules``): by default alert verification covers viewing
a read that raised an alert and its images, nothing else, and the audit purpose is given by Auditors
only. The rules are listed on the public policy page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from plateguard.access_log.service import Actor, Justification
from plateguard.accounts.roles import ROLE_LABELS
from plateguard.config import (
    DEFAULT_PROHIBITED_PURPOSES,
    DEFAULT_PURPOSE_RULES,
    AccessSettings,
    ProhibitedPurpose,
    PurposeRule,
)
from plateguard.errors import Forbidden


class ProhibitedPurposeRefused(Forbidden):
    """The purpose, or its free text, names a purpose ALPR data may never serve."""

    code = "prohibited_purpose"

    def __init__(self, prohibited: ProhibitedPurpose) -> None:
        super().__init__(
            f"refused: {prohibited.name.lower()} is a prohibited purpose ({prohibited.rule})", field="purpose"
        )
        self.prohibited = prohibited


# Letters of other scripts drawn like Latin ones (as they are after casefold), from Unicode's confusables:
# "immigration" typed with a Cyrillic i reads as the term to every person, and so it must to this check.
LOOK_ALIKES = str.maketrans(
    "аԁеһіјӏмнорԛѕтхуԝсвкαβεηικμνορτυχѵɡı",
    "adehijlmhopqstxywcbkabehikmnoptuxvgi",
)


def _folded(text: str) -> str:
    """Case, width, accents and invisible characters (soft hyphens, zero-width spaces) taken away, and
    look-alike letters made Latin, so a term cannot hide behind characters that do not show."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(char for char in decomposed if unicodedata.category(char) not in ("Mn", "Cf"))
    return kept.casefold().translate(LOOK_ALIKES)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", _folded(text))) + " "


SPELLED_OUT = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][^a-z0-9]+){2,}[a-z0-9](?![a-z0-9])")
"""Three or more single letters or digits set apart by spaces or punctuation: a word spelled out
("i m m i g r a t i o n", "d.e.p.o.r.t")."""


def _spelled_out_joined(text: str) -> str:
    """The text's words with every spelled-out word joined up (checked besides the words as written)."""
    folded = _folded(text)
    joined = SPELLED_OUT.sub(lambda m: "".join(re.findall(r"[a-z0-9]", m.group())), folded)
    return _words(joined)


def prohibited_named(
    texts: Iterable[str], prohibited: Iterable[ProhibitedPurpose]
) -> ProhibitedPurpose | None:
    """The first prohibited purpose whose name or one of whose terms appears in the texts (whole words,
    case and punctuation ignored, a word spelled out letter by letter read as the word), or None."""
    present = [text for text in texts if text]
    words = "".join(_words(text) for text in present) + "".join(_spelled_out_joined(t) for t in present)
    for candidate in prohibited:
        for term in (candidate.name, *candidate.terms):
            if _words(term).strip() and _words(term) in words:
                return candidate
    return None


@dataclass(frozen=True)
class CheckedPurpose:
    justification: Justification
    alert_reads_only: bool  # the case number was waived on condition that the read raised an alert


@dataclass(frozen=True)
class PurposePolicy:
    purposes: tuple[str, ...]
    rules: Mapping[str, PurposeRule] = field(default_factory=lambda: dict(DEFAULT_PURPOSE_RULES))
    prohibited: tuple[ProhibitedPurpose, ...] = DEFAULT_PROHIBITED_PURPOSES

    @classmethod
    def of(cls, value: PurposePolicy | tuple[str, ...] | AccessSettings) -> PurposePolicy:
        if isinstance(value, PurposePolicy):
            return value
        if isinstance(value, AccessSettings):
            return cls(value.purposes, value.purpose_rules, value.prohibited_purposes)
        return cls(tuple(value))

    def check(self, justification: Justification, *, action: str, actor: Actor) -> CheckedPurpose:
        """The justification with its case number checked for ``action``; refuses a purpose the actor's
        roles may not give, and a prohibited purpose (also when only the free text names it)."""
        banned = prohibited_named((justification.purpose, justification.detail), self.prohibited)
        if banned is not None:
            raise ProhibitedPurposeRefused(banned)
        rule = self.rules.get(justification.purpose)
        if rule is not None and rule.roles and not set(rule.roles) & roles_of(actor):
            labels = ", ".join(sorted(ROLE_LABELS[r] for r in ROLE_LABELS if r.value in rule.roles))
            raise Forbidden(
                f"the purpose {justification.purpose!r} may be given by {labels} only", field="purpose"
            )
        waived = rule is not None and action in rule.waives_case_number_for
        checked = justification.checked(allowed=self.purposes, needs_case_number=not waived)
        conditional = waived and rule is not None and rule.alert_reads_only and checked.case_number is None
        return CheckedPurpose(checked, conditional)


def roles_of(actor: Actor) -> set[str]:
    """Role values of an actor (the access record keeps their labels)."""
    labels = {label.strip() for label in actor.roles.split(",")}
    return {role.value for role, label in ROLE_LABELS.items() if label in labels}
