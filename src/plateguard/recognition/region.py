"""Region (US state) inference from the printed state name or slogan and the plate number's format."""

from __future__ import annotations

from plateguard.recognition.formats import regions_for, regions_from_text
from plateguard.recognition.types import Image, PlateText, RegionGuess

# Rough share of passenger vehicles by state, used only to break ties among format matches.
_FLEET_ORDER = (
    "ca",
    "tx",
    "fl",
    "ny",
    "pa",
    "il",
    "oh",
    "mi",
    "ga",
    "nc",
    "nj",
    "va",
    "wa",
    "az",
    "ma",
    "tn",
    "in",
    "mo",
    "md",
    "wi",
    "co",
    "mn",
    "sc",
    "al",
    "la",
    "ky",
    "or",
    "ok",
    "ct",
    "ut",
    "ia",
    "nv",
    "ar",
    "ms",
    "ks",
    "nm",
    "ne",
    "id",
    "wv",
    "hi",
    "nh",
    "me",
    "mt",
    "ri",
    "de",
    "sd",
    "nd",
    "ak",
    "dc",
    "vt",
    "wy",
)
UNKNOWN = RegionGuess("unknown", 0.0)


class TextRegionClassifier:
    """State from secondary text on the plate (name, slogan), else from the plate number's format."""

    def __init__(self, text_weight: float = 0.95, format_weight: float = 0.35, look_min: float = 0.5) -> None:
        self.text_weight = text_weight
        self.format_weight = format_weight
        self.look_min = look_min  # the reader's look decides from this probability on (own model's is weak)

    def predict(self, crop: Image, text: PlateText) -> RegionGuess:
        scores = regions_from_text(text.other_text)
        if scores:
            return self._from_text(scores, text)
        if text.look and text.look[0][1] >= self.look_min:
            return self._from_look(text)
        return self._from_format(text)

    def _from_look(self, text: PlateText) -> RegionGuess:
        """The reader's look probabilities, nudged towards states whose formats fit the plate number."""
        fits = set(regions_for(text.best.plate))
        scored = sorted(((p * (1.5 if r in fits else 1.0), r) for r, p in text.look), reverse=True)
        total = sum(p for p, _ in scored) or 1.0
        score, region = scored[0]
        return RegionGuess(f"us-{region}", round(min(1.0, score / total) * max(p for _, p in text.look), 4))

    def _from_text(self, scores: dict[str, float], text: PlateText) -> RegionGuess:
        fits = set(regions_for(text.best.plate))
        ranked = sorted(scores.items(), key=lambda kv: (-(kv[1] + (0.05 if kv[0] in fits else 0.0)), kv[0]))
        region, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        margin = max(0.0, score - runner_up)
        return RegionGuess(f"us-{region}", round(self.text_weight * (0.5 + 0.5 * margin / score), 4))

    def _from_format(self, text: PlateText) -> RegionGuess:
        for cand in text.candidates[:3]:
            fits = regions_for(cand.plate)
            if fits:
                best = min(fits, key=_FLEET_ORDER.index)
                return RegionGuess(f"us-{best}", round(self.format_weight / len(fits) ** 0.5, 4))
        return UNKNOWN
