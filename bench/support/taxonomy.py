"""Error taxonomy of the recognition benchmark: why a plate was not read right, in the kinds the
held-out report used (no read on the plate, right string ranked lower, one character extra, lost or
wrong, other)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

KINDS = (
    "no read on the plate",
    "right string among the candidates, not first",
    "one character extra",
    "one character lost",
    "one character wrong",
    "other (two or more edits)",
)


def classify(truth: str, read: str, candidates: Sequence[str]) -> tuple[str, str]:
    """The kind of miss, and for a wrong character the confusion ("truth/read", for example "D/0").
    Arguments are normalised plate strings (O written as 0)."""
    if not read:
        return KINDS[0], ""
    if truth in candidates[:10]:
        return KINDS[1], ""
    if len(read) == len(truth) + 1 and any(read[:i] + read[i + 1 :] == truth for i in range(len(read))):
        return KINDS[2], ""
    if len(read) + 1 == len(truth) and any(truth[:i] + truth[i + 1 :] == read for i in range(len(truth))):
        return KINDS[3], ""
    if len(read) == len(truth):
        wrong = [(a, b) for a, b in zip(truth, read, strict=True) if a != b]
        if len(wrong) == 1:
            return KINDS[4], f"{wrong[0][0]}/{wrong[0][1]}"
    return KINDS[5], ""


def report(title: str, kinds: Counter[str], pairs: Counter[str], total: int) -> list[str]:
    """Lines of a table: each kind's count and share of all `total` items, then the confusion pairs."""
    lines = [f"{title}: {sum(kinds.values())} misses of {total}"]
    for kind in KINDS:
        share = kinds[kind] / total if total else 0.0
        lines.append(f"  {kind:<46} {kinds[kind]:>4}  {share:6.1%}")
    if pairs:
        listed = ", ".join(f"{p} x{n}" for p, n in pairs.most_common())
        lines.append(f"  wrong characters (truth/read): {listed}")
    return lines
