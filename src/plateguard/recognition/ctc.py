"""CTC decoding restricted to A-Z0-9 with ranked candidates and format-aware re-ranking.

Input is a (T, 37) matrix of per-frame probabilities: column 0 is the CTC blank, columns 1..36 follow
`formats.ALPHABET`. Characters are read as segments (runs of the same best non-blank class); each segment
offers its best few characters, low-confidence segments may be dropped (sticker or bolt read as a
character), and candidates matching the region's format get letter/digit fixes from the confusion table.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plateguard.recognition.formats import (
    ALL_FORMATS,
    ALPHABET,
    PRIOR_LENGTH,
    STATE_FORMATS,
    format_prior,
    matches,
)
from plateguard.recognition.types import PlateCandidate

Probs = npt.NDArray[np.float32]

# Letters and digits that readers confuse; used to satisfy a format's letter/digit position.
CONFUSIONS: dict[str, str] = {
    "O": "0",
    "0": "O",
    "D": "0",
    "Q": "0",
    "I": "1",
    "1": "I",
    "L": "1",
    "B": "8",
    "8": "B",
    "S": "5",
    "5": "S",
    "Z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
    "T": "7",
    "7": "T",
    "A": "4",
    "4": "A",
    "U": "0",
    "J": "1",
    "E": "3",
    "Y": "4",
}
CONFUSION_FACTOR = 0.5
DROP_BELOW = 0.5
DROP_FACTOR = 0.5
MAX_OPTIONS = 3


@dataclass(frozen=True)
class Segment:
    options: tuple[tuple[str, float], ...]
    """(character, probability) best first; `""` means the segment is dropped."""
    frames: tuple[int, int]


def segments(probs: Probs, min_prob: float = 0.05) -> list[Segment]:
    """Split the best path into character segments with their alternative characters."""
    best = probs.argmax(axis=1)
    out: list[Segment] = []
    t = 0
    n = len(best)
    while t < n:
        k = int(best[t])
        if k == 0:
            t += 1
            continue
        end = t
        while end + 1 < n and int(best[end + 1]) == k:
            end += 1
        out.append(_segment(probs[t : end + 1], (t, end + 1), min_prob))
        t = end + 1
    return out


def _segment(window: Probs, frames: tuple[int, int], min_prob: float) -> Segment:
    peak = window[:, 1:].max(axis=0)
    order = np.argsort(-peak)[:MAX_OPTIONS]
    opts = [(ALPHABET[i], float(peak[i])) for i in order if peak[i] >= min_prob or i == order[0]]
    top = opts[0][1]
    if top < DROP_BELOW:
        opts.append(("", max(1e-3, (1.0 - top) * DROP_FACTOR)))
    return Segment(tuple(opts), frames)


def beam(segs: list[Segment], width: int = 40) -> list[tuple[str, float]]:
    """Best `width` strings by product of option probabilities (log space)."""
    states: list[tuple[float, str]] = [(0.0, "")]
    for seg in segs:
        nxt: list[tuple[float, str]] = []
        for logp, text in states:
            for ch, p in seg.options:
                nxt.append((logp + math.log(max(p, 1e-6)), text + ch))
        states = heapq.nlargest(width, _dedupe(nxt))
    return [(text, math.exp(logp)) for logp, text in states]


def _dedupe(items: list[tuple[float, str]]) -> list[tuple[float, str]]:
    best: dict[str, float] = {}
    for logp, text in items:
        if logp > best.get(text, -math.inf):
            best[text] = logp
    return [(lp, t) for t, lp in best.items()]


def format_fixes(segs: list[Segment], fmt: str) -> tuple[str, float] | None:
    """Best string of the format `fmt` reachable from the segments (one char per segment)."""
    if len(segs) != len(fmt):
        return None
    text = []
    score = 1.0
    for seg, want in zip(segs, fmt, strict=True):
        pick = _pick_class(seg, want)
        if pick is None:
            return None
        text.append(pick[0])
        score *= pick[1]
    return "".join(text), score


def _pick_class(seg: Segment, want: str) -> tuple[str, float] | None:
    for ch, p in seg.options:
        if ch and (want == "*" or (want == "9") == ch.isdigit()):
            return ch, p
    top_ch, top_p = seg.options[0]
    alt = CONFUSIONS.get(top_ch)
    if alt and (alt.isdigit() == (want == "9")):
        return alt, top_p * CONFUSION_FACTOR
    return None


def rank(probs: Probs, region: str | None = None, k: int = 10) -> tuple[PlateCandidate, ...]:
    """Up to `k` candidates, best first, with confidences in 0-1."""
    segs = segments(probs)
    if not segs:
        return ()
    pool = dict(beam(segs))
    fmts = STATE_FORMATS.get(region, ()) if region else ()
    for fmt in (*fmts, *sorted(ALL_FORMATS)):
        fixed = format_fixes(segs, fmt)
        if fixed and fixed[1] > pool.get(fixed[0], 0.0):
            pool[fixed[0]] = fixed[1]
    return rank_pool(pool, region, k)


def rank_pool(pool: dict[str, float], region: str | None, k: int = 10) -> tuple[PlateCandidate, ...]:
    """Re-rank raw (string, probability) pairs with the format prior; empty strings are dropped."""
    scored = []
    seen: set[str] = set()
    for text, p in sorted(pool.items(), key=lambda kv: -kv[1]):
        key = text.replace("O", "0")
        if not text or key in seen:
            continue
        seen.add(key)
        per_char = p ** (1.0 / len(text))
        scored.append((p * format_prior(text, region), per_char * _prior_conf(text, region), text))
    scored.sort(key=lambda s: (-s[0], s[2]))
    out: list[PlateCandidate] = []
    ceiling = 1.0
    for _, conf, text in scored[:k]:
        ceiling = min(ceiling, conf)  # confidences never increase down the ranking
        out.append(PlateCandidate(text, round(ceiling, 4)))
    return tuple(out)


def _prior_conf(text: str, region: str | None) -> float:
    prior = format_prior(text, region)
    return min(1.0, 0.5 + prior / 2.0) if prior >= PRIOR_LENGTH else prior


def fits_region(text: str, region: str) -> bool:
    return any(matches(text, f) for f in STATE_FORMATS.get(region, ()))
