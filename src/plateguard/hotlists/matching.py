"""The in-memory hotlist matcher: pure Python, built from live entries, no database access.

A read is compared with every live entry in a few dictionary look-ups:

- **exact**: the normalised plate equals the entry's;
- **confusion**: equal once characters an OCR engine confuses are folded into one class
  (O/0/D/Q, I/1/L/T, B/8, S/5, Z/2, G/6);
- **edit**: one character missing from or extra in the read (after folding). A read with an extra
  character is found by looking up each of its one-character deletions; a read missing one is found in
  a *deletion index*: the hashes of every entry's one-character deletions, kept in a 32 MB Bloom filter
  so that a million entries cost tens of megabytes rather than a gigabyte of dictionary keys;
- **candidate**: one of the reader's alternative readings of the plate equals an entry exactly (only
  exact, so that alternatives do not multiply look-alike hits);
- **wildcard**: partial plates (``?`` one character, ``*`` any run), compiled to regular expressions and
  indexed by a two-character literal they must contain, so a read tries only a handful of them.

Scores order the kinds: exact > confusion > edit > wildcard. The state is compared when both the read
and the entry know it; a mismatch is flagged on the match, never hidden. Expired entries never match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from plateguard.reads.plates import CONFUSION_GROUPS

# Each look-alike group folds onto its digit: O/0/D/Q -> 0, I/1/L/T -> 1, B/8 -> 8, ...
_FOLD = str.maketrans(
    {char: next(c for c in group if c.isdigit()) for group in CONFUSION_GROUPS for char in group}
)
PROBE_BITS = 1 << 28  # 32 MB: about 1 % false positives at a million entries, each only a slower path
PROBE_MASK = PROBE_BITS - 1
PROBE_SHIFT = 32
SCORES = {"exact": 1.0, "confusion": 0.9, "edit": 0.75, "candidate": 0.7, "wildcard": 0.6}
MATCH_KIND = {
    "exact": "exact",
    "confusion": "fuzzy",
    "edit": "fuzzy",
    "candidate": "candidate",
    "wildcard": "wildcard",
}


def fold(plate: str) -> str:
    """The confusion class of a normalised plate: confusable characters become one representative."""
    return plate.translate(_FOLD)


FOLDED_ALPHABET = tuple(sorted(set(fold("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))))


class MatcherEntry(NamedTuple):
    """What the matcher keeps of one live entry (a tuple: a million of them load quickly)."""

    entry_id: int
    hotlist_id: int
    plate: str  # normalised; may hold ? and * when is_wildcard
    state: str | None
    category: str
    expires_at: float | None  # POSIX seconds, or None for no expiry
    is_wildcard: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    entry: MatcherEntry
    rule: str  # exact | confusion | edit | candidate | wildcard
    score: float
    state_mismatch: bool

    @property
    def kind(self) -> str:
        """The alert's match kind: exact, fuzzy or wildcard."""
        return MATCH_KIND[self.rule]


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``?`` is one character and ``*`` any run (possibly empty); matched on folded plates."""
    parts = []
    for char in fold(pattern):
        parts.append("." if char == "?" else ".*" if char == "*" else re.escape(char))
    return re.compile("".join(parts))


def _literal_key(pattern: str) -> str | None:
    """A three- (else two-) character literal every matching plate must contain, or None."""
    best = ""
    for run in re.split(r"[?*]", fold(pattern)):
        if len(run) > len(best):
            best = run
    return best[:3] if len(best) >= 2 else None


Bucket = MatcherEntry | list[MatcherEntry]


def _entries(bucket: Bucket | None) -> tuple[MatcherEntry, ...] | list[MatcherEntry]:
    if bucket is None:
        return ()
    return bucket if isinstance(bucket, list) else (bucket,)


class Matcher:
    """An immutable index of live entries; build a new one to reload and swap the reference.

    ``_probe`` is a Bloom filter (two bit positions per item, 2**28 bits) over the hashes of every
    entry's folded key (lowest bit 1) and of every one-character deletion of it (lowest bit 0). A read
    asks it, in a few integer operations per string, whether an edit-distance candidate can exist; only
    then are the dictionaries searched. A false positive costs time, never a wrong match.
    """

    def __init__(self, entries: Iterable[MatcherEntry], *, now: float) -> None:
        self._by_fold: dict[str, Bucket] = {}
        self._by_bigram: dict[str, list[tuple[re.Pattern[str], MatcherEntry]]] = {}
        self._by_trigram: dict[str, list[tuple[re.Pattern[str], MatcherEntry]]] = {}
        self._wild_always: list[tuple[re.Pattern[str], MatcherEntry]] = []
        self.size = 0
        self.wildcards = 0
        by_fold = self._by_fold
        for entry in entries:
            if entry.expires_at is not None and entry.expires_at <= now:
                continue
            self.size += 1
            if entry.is_wildcard:
                self._add_wildcard(entry)
                continue
            key = fold(entry.plate)
            bucket = by_fold.get(key)
            if bucket is None:
                by_fold[key] = entry
            elif isinstance(bucket, list):
                bucket.append(entry)
            else:
                by_fold[key] = [bucket, entry]
        self._probe = self._build_probe(list(by_fold))

    @staticmethod
    def _build_probe(keys: list[str]) -> bytes:
        """A two-probe Bloom filter over tagged hashes: whole folded keys (tag 1), deletions (tag 0)."""
        deletions = np.fromiter(
            (hash(k[:i] + k[i + 1 :]) for k in keys for i in range(len(k))), dtype=np.int64
        )
        whole = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        tagged = np.concatenate([deletions & ~1, whole | 1]).view(np.uint64)
        # Sorted, duplicates kept (np.unique is far slower here); OR-reduced per byte below.
        positions = np.sort(np.concatenate([tagged & PROBE_MASK, (tagged >> PROBE_SHIFT) & PROBE_MASK]))
        byte_index = (positions >> 3).astype(np.int64)
        bit = (np.uint8(1) << (positions & 7).astype(np.uint8)).astype(np.uint8)
        bitmap = np.zeros(PROBE_BITS // 8, dtype=np.uint8)
        if len(positions):
            starts = np.flatnonzero(np.r_[True, byte_index[1:] != byte_index[:-1]])
            bitmap[byte_index[starts]] = np.bitwise_or.reduceat(bit, starts)
        return bitmap.tobytes()

    def _maybe(self, tagged: int) -> bool:
        value = tagged & 0xFFFFFFFFFFFFFFFF
        first, second = value & PROBE_MASK, (value >> PROBE_SHIFT) & PROBE_MASK
        probe = self._probe
        return bool(probe[first >> 3] >> (first & 7) & 1 and probe[second >> 3] >> (second & 7) & 1)

    def _add_wildcard(self, entry: MatcherEntry) -> None:
        self.wildcards += 1
        compiled = (wildcard_regex(entry.plate), entry)
        literal = _literal_key(entry.plate)
        if literal is None:
            self._wild_always.append(compiled)
        else:
            index = self._by_trigram if len(literal) == 3 else self._by_bigram
            index.setdefault(literal, []).append(compiled)

    def match(self, plate: str, *, state: str | None = None, now: float) -> list[Match]:
        """Every live entry the normalised plate hits, best score first, one match per entry."""
        key = fold(plate)
        found: dict[int, Match] = {}
        for entry in _entries(self._by_fold.get(key)):
            self._keep(found, entry, "exact" if entry.plate == plate else "confusion", state, now)
        self._edit_matches(found, key, state, now)
        if self._by_trigram or self._by_bigram or self._wild_always:
            self._wildcard_matches(found, key, state, now)
        if len(found) > 1:
            return sorted(found.values(), key=lambda m: (-m.score, m.entry.entry_id))
        return list(found.values())

    def _edit_matches(self, found: dict[int, Match], key: str, state: str | None, now: float) -> None:
        """One character extra in the read (its deletions are keys) or missing (it is a deletion)."""
        probe, by_fold = self._probe, self._by_fold
        for i in range(len(key)):
            shorter = key[:i] + key[i + 1 :]
            value = (hash(shorter) | 1) & 0xFFFFFFFFFFFFFFFF  # inlined _maybe: this loop is the hot path
            first, second = value & PROBE_MASK, (value >> PROBE_SHIFT) & PROBE_MASK
            if probe[first >> 3] >> (first & 7) & 1 and probe[second >> 3] >> (second & 7) & 1:
                for entry in _entries(by_fold.get(shorter)):
                    self._keep(found, entry, "edit", state, now)
        if self._maybe(hash(key) & ~1):
            self._edit_candidates(found, key, state, now)

    def _edit_candidates(self, found: dict[int, Match], key: str, state: str | None, now: float) -> None:
        for position in range(len(key) + 1):
            for char in FOLDED_ALPHABET:
                longer = key[:position] + char + key[position:]
                for entry in _entries(self._by_fold.get(longer)):
                    self._keep(found, entry, "edit", state, now)

    def _wildcard_matches(self, found: dict[int, Match], key: str, state: str | None, now: float) -> None:
        candidates: list[tuple[re.Pattern[str], MatcherEntry]] = list(self._wild_always)
        for width, index in ((3, self._by_trigram), (2, self._by_bigram)):
            if index:
                for i in range(len(key) - width + 1):
                    candidates += index.get(key[i : i + width], ())
        for regex, entry in candidates:
            if entry.entry_id not in found and regex.fullmatch(key):
                self._keep(found, entry, "wildcard", state, now)

    @staticmethod
    def _keep(found: dict[int, Match], entry: MatcherEntry, rule: str, state: str | None, now: float) -> None:
        if entry.expires_at is not None and entry.expires_at <= now:
            return
        score = SCORES[rule]
        previous = found.get(entry.entry_id)
        if previous is not None and previous.score >= score:
            return
        mismatch = bool(state and entry.state and state != entry.state)
        found[entry.entry_id] = Match(entry, rule, score, mismatch)


def match_read(
    matcher: Matcher, plate: str, alternatives: Iterable[str], *, state: str | None, now: float
) -> list[Match]:
    """The read's own plate by every rule, then each alternative reading by exact match only."""
    found = {match.entry.entry_id: match for match in matcher.match(plate, state=state, now=now)}
    for other in alternatives:
        if other == plate:
            continue
        for match in matcher.match(other, state=state, now=now):
            if match.rule == "exact" and match.entry.entry_id not in found:
                found[match.entry.entry_id] = Match(
                    match.entry, "candidate", SCORES["candidate"], match.state_mismatch
                )
    return sorted(found.values(), key=lambda m: (-m.score, m.entry.entry_id))


EMPTY_MATCHER = Matcher((), now=0.0)
