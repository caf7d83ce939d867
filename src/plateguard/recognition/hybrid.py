"""Two readers as one: a fast one first, a second opinion when it is unsure, the two readings fused."""

from __future__ import annotations

import math
from collections.abc import Sequence

from plateguard.recognition.types import Image, PlateCandidate, PlateReader, PlateText

MAX_CANDIDATES = 10


class HybridReader:
    """`first` alone when its best candidate reaches `sure_above`; otherwise both readers, fused.

    By default (`sure_above` infinite) both always run, the most accurate setting; a threshold trades
    accuracy for speed. The fused reading keeps `second`'s other text (state names) and `first`'s look.
    """

    def __init__(
        self, first: PlateReader, second: PlateReader, sure_above: float = math.inf, first_weight: float = 0.5
    ) -> None:
        self.first = first
        self.second = second
        self.sure_above = sure_above
        self.first_weight = first_weight

    def predict(self, crop: Image) -> PlateText:
        fast = self.first.predict(crop)
        if fast.best.confidence >= self.sure_above:
            return fast
        slow = self.second.predict(crop)
        cands = fuse(fast.candidates, slow.candidates, self.first_weight)
        return PlateText(cands, slow.other_text, fast.look or slow.look, slow.line)


def fuse(
    first: Sequence[PlateCandidate], second: Sequence[PlateCandidate], first_weight: float
) -> tuple[PlateCandidate, ...]:
    """Ranks strings by the weighted sum of their confidences under both readers (O and 0 are one
    character); each keeps the higher of its two confidences (never increasing down the list), so the
    pipeline's thresholds mean what they mean for a single reader."""
    score: dict[str, float] = {}
    best: dict[str, PlateCandidate] = {}
    for cands, weight in ((second, 1.0 - first_weight), (first, first_weight)):
        for cand in cands:
            key = cand.plate.replace("O", "0")
            score[key] = score.get(key, 0.0) + weight * cand.confidence
            if key not in best or cand.confidence > best[key].confidence:
                best[key] = cand
    out: list[PlateCandidate] = []
    ceiling = 1.0
    for key in sorted(score, key=lambda k: (-score[k], k))[:MAX_CANDIDATES]:
        ceiling = min(ceiling, best[key].confidence)
        out.append(PlateCandidate(best[key].plate, round(ceiling, 4)))
    return tuple(out)
