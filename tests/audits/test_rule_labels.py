"""The audit page and report name each rule by the label the auditors' guide gives it, and the guide's
table lists exactly the rules the audit runs."""

from __future__ import annotations

import re
from pathlib import Path

from plateguard.audits.rules import RULE_LABELS, RULES

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "auditors-guide.md"


def guide_labels() -> list[str]:
    section = GUIDE.read_text().split("## The audit rules", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+?) \|", section, flags=re.MULTILINE)
    return [row for row in rows if row not in ("rule",) and not set(row) <= {"-"}]


def test_the_guide_lists_every_rule_by_the_label_the_audit_shows() -> None:
    run = ["sample", *(rule.__name__ for rule in RULES)]
    assert [RULE_LABELS.get(name) for name in run] == guide_labels()


def test_every_label_names_one_rule_the_audit_runs() -> None:
    assert sorted(RULE_LABELS) == sorted(["sample", *(rule.__name__ for rule in RULES)])
    assert len(set(RULE_LABELS.values())) == len(RULE_LABELS)
