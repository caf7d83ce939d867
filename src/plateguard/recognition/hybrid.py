"""A fast reader first, a slower second opinion only when the first one is unsure."""

from __future__ import annotations

from plateguard.recognition.types import Image, PlateReader, PlateText


class HybridReader:
    """Uses `first` when its best candidate is confident, otherwise the better of `first` and `second`."""

    def __init__(self, first: PlateReader, second: PlateReader, sure_above: float = 0.9) -> None:
        self.first = first
        self.second = second
        self.sure_above = sure_above

    def predict(self, crop: Image) -> PlateText:
        fast = self.first.predict(crop)
        if fast.best.confidence >= self.sure_above:
            return fast
        slow = self.second.predict(crop)
        best = slow if slow.best.confidence >= fast.best.confidence else fast
        return PlateText(best.candidates, slow.other_text, fast.look)
