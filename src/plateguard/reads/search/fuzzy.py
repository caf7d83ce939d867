"""Plates a reader may have confused with the one searched for: OCR look-alikes and one edit.

Look-alike groups are ``plates.CONFUSION_GROUPS``, the ones alerting uses too. The exact plate ranks
first, look-alike variants second, one-edit patterns third.
"""

from __future__ import annotations

import itertools

from plateguard.reads.plates import CONFUSION_GROUPS

MAX_VARIANTS = 512
_ALIKE: dict[str, str] = {char: group for group in CONFUSION_GROUPS for char in group}


def lookalike_variants(plate: str) -> list[str]:
    """Every plate that differs from ``plate`` only by look-alike characters (the plate itself excluded)."""
    choices = [_ALIKE.get(char, char) for char in plate]
    variants: list[str] = []
    for combination in itertools.product(*choices):
        candidate = "".join(combination)
        if candidate != plate:
            variants.append(candidate)
        if len(variants) >= MAX_VARIANTS:
            break
    return variants


def one_edit_patterns(plate: str) -> tuple[list[str], list[str]]:
    """LIKE patterns for one substitution or insertion, and the exact plates for one deletion."""
    substitutions = [plate[:i] + "_" + plate[i + 1 :] for i in range(len(plate))]
    insertions = [plate[:i] + "_" + plate[i:] for i in range(len(plate) + 1)]
    deletions = sorted({plate[:i] + plate[i + 1 :] for i in range(len(plate))} - {""})
    return substitutions + insertions, deletions


def wildcard_to_like(pattern: str) -> str:
    """A partial plate (``7AB?12?``, ``*X9*``) as a LIKE pattern; plate characters need no escaping."""
    return pattern.replace("?", "_").replace("*", "%")


def literal_runs(pattern: str) -> list[str]:
    """The runs of plain characters in a partial plate, longest first (what a trigram index can use)."""
    runs = [run for run in pattern.replace("*", "?").split("?") if run]
    return sorted(runs, key=len, reverse=True)
