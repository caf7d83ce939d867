"""One read per vehicle pass: follow each plate across video frames and vote on its text.

Pure functions and a small tracker (IoU of boxes plus text similarity), as OpenALPR's daemon and
Frigate do, so a car in view for 40 frames gives one read with the text most frames agreed on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from plateguard.ingest.recognition import RecognizedPlate
from plateguard.reads.plates import normalize_plate

Box = tuple[int, int, int, int]


def iou(a: Box, b: Box) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    width = min(ax2, bx2) - max(a[0], b[0])
    height = min(ay2, by2) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def text_similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalize_plate(a), normalize_plate(b)).ratio()


@dataclass(frozen=True)
class Sighting:
    frame: int
    captured_at: dt.datetime
    plate: RecognizedPlate


@dataclass(frozen=True)
class VehiclePass:
    """The read a tracked plate becomes: voted text, its best sighting, and the other texts seen."""

    plate: str
    confidence: float
    captured_at: dt.datetime
    box: Box
    region: str | None
    candidates: tuple[tuple[str, float], ...]
    frames: int
    first_frame: int
    best_frame: int = 0  # the frame of the best sighting: its picture is kept with the read
    corners: tuple[tuple[float, float], ...] = ()  # the plate's corners in that frame


@dataclass
class Track:
    sightings: list[Sighting] = field(default_factory=list)

    @property
    def last(self) -> Sighting:
        return self.sightings[-1]

    def vote(self) -> VehiclePass:
        return vote(self.sightings)


def vote(sightings: list[Sighting]) -> VehiclePass:
    """Confidence-weighted vote over whole texts; the best sighting of the winner gives time and box."""
    weights: dict[str, float] = defaultdict(float)
    for sighting in sightings:
        weights[normalize_plate(sighting.plate.plate)] += sighting.plate.confidence
    ranked = sorted(weights.items(), key=lambda item: -item[1])
    winner = ranked[0][0]
    best = max(
        (s for s in sightings if normalize_plate(s.plate.plate) == winner), key=lambda s: s.plate.confidence
    )
    total = sum(weights.values())
    agreement = weights[winner] / total if total else 0.0
    return VehiclePass(
        plate=winner,
        confidence=round(
            best.plate.confidence * agreement + best.plate.confidence * (1 - agreement) * 0.5, 4
        ),
        captured_at=best.captured_at,
        box=best.plate.box,
        region=best.plate.region,
        candidates=tuple((text, round(weight / total, 4)) for text, weight in ranked[:10]),
        frames=len(sightings),
        first_frame=sightings[0].frame,
        best_frame=best.frame,
        corners=best.plate.corners,
    )


class PlateTracker:
    """Feed it each sampled frame's plates; it hands back passes whose plate has left the view."""

    def __init__(self, *, max_gap_frames: int = 30, min_iou: float = 0.1, min_text: float = 0.7) -> None:
        self.max_gap_frames, self.min_iou, self.min_text = max_gap_frames, min_iou, min_text
        self.active: list[Track] = []

    def update(
        self, frame: int, captured_at: dt.datetime, plates: list[RecognizedPlate]
    ) -> list[VehiclePass]:
        finished = [t for t in self.active if frame - t.last.frame > self.max_gap_frames]
        self.active = [t for t in self.active if t not in finished]
        unmatched = list(self.active)
        for plate in plates:
            track = self._best_match(unmatched, plate)
            if track is None:
                track = Track()
                self.active.append(track)
            else:
                unmatched.remove(track)
            track.sightings.append(Sighting(frame, captured_at, plate))
        return [track.vote() for track in finished]

    def oldest_frame(self) -> int | None:
        """The first frame of the oldest pass still in view (older frames are no longer needed)."""
        return min((track.sightings[0].frame for track in self.active), default=None)

    def finish(self) -> list[VehiclePass]:
        passes = [track.vote() for track in self.active]
        self.active = []
        return passes

    def _best_match(self, tracks: list[Track], plate: RecognizedPlate) -> Track | None:
        best: tuple[float, Track] | None = None
        for track in tracks:
            overlap = iou(track.last.plate.box, plate.box)
            similar = text_similarity(track.last.plate.plate, plate.plate)
            if overlap < self.min_iou and similar < self.min_text:
                continue
            score = overlap + similar
            if best is None or score > best[0]:
                best = (score, track)
        return best[1] if best else None
