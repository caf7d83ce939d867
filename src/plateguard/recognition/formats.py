"""Per-state knowledge: names, common plate formats, and the format prior used to rank candidates.

Formats use `A` for a letter, `9` for a digit and `*` for either. They describe common passenger series
(not vanity, dealer or specialty plates), so they are used as a soft prior, never as a hard filter.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

STATE_NAMES: dict[str, str] = {
    "al": "ALABAMA",
    "ak": "ALASKA",
    "az": "ARIZONA",
    "ar": "ARKANSAS",
    "ca": "CALIFORNIA",
    "co": "COLORADO",
    "ct": "CONNECTICUT",
    "de": "DELAWARE",
    "dc": "COLUMBIA",
    "fl": "FLORIDA",
    "ga": "GEORGIA",
    "hi": "HAWAII",
    "id": "IDAHO",
    "il": "ILLINOIS",
    "in": "INDIANA",
    "ia": "IOWA",
    "ks": "KANSAS",
    "ky": "KENTUCKY",
    "la": "LOUISIANA",
    "me": "MAINE",
    "md": "MARYLAND",
    "ma": "MASSACHUSETTS",
    "mi": "MICHIGAN",
    "mn": "MINNESOTA",
    "ms": "MISSISSIPPI",
    "mo": "MISSOURI",
    "mt": "MONTANA",
    "ne": "NEBRASKA",
    "nv": "NEVADA",
    "nh": "HAMPSHIRE",
    "nj": "JERSEY",
    "nm": "MEXICO",
    "ny": "YORK",
    "nc": "CAROLINA",
    "nd": "DAKOTA",
    "oh": "OHIO",
    "ok": "OKLAHOMA",
    "or": "OREGON",
    "pa": "PENNSYLVANIA",
    "ri": "RHODE",
    "sc": "CAROLINA",
    "sd": "DAKOTA",
    "tn": "TENNESSEE",
    "tx": "TEXAS",
    "ut": "UTAH",
    "vt": "VERMONT",
    "va": "VIRGINIA",
    "wa": "WASHINGTON",
    "wv": "VIRGINIA",
    "wi": "WISCONSIN",
    "wy": "WYOMING",
}
"""The most distinctive word of the state's name as printed on its plates (upper case)."""

# Words that disambiguate states sharing a name word, and well-known slogans printed on plates.
STATE_HINTS: dict[str, tuple[str, ...]] = {
    "nc": ("NORTH CAROLINA", "FIRST IN FLIGHT", "FIRST IN FREEDOM"),
    "sc": ("SOUTH CAROLINA", "WHILE I BREATHE"),
    "nd": ("NORTH DAKOTA", "LEGENDARY", "PEACE GARDEN"),
    "sd": ("SOUTH DAKOTA", "GREAT FACES", "GREAT PLACES", "RUSHMORE"),
    "wv": ("WEST VIRGINIA", "WILD WONDERFUL", "WILD, WONDERFUL"),
    "va": ("VIRGINIA IS FOR LOVERS",),
    "nh": ("NEW HAMPSHIRE", "LIVE FREE OR DIE"),
    "nj": ("NEW JERSEY", "GARDEN STATE"),
    "nm": ("NEW MEXICO", "LAND OF ENCHANTMENT"),
    "ny": ("NEW YORK", "EMPIRE STATE", "EXCELSIOR"),
    "dc": ("DISTRICT", "TAXATION WITHOUT", "WASHINGTON DC", "WASHINGTON, DC"),
    "ri": ("RHODE ISLAND", "OCEAN STATE"),
    "il": ("LAND OF LINCOLN",),
    "id": ("FAMOUS POTATOES", "SCENIC IDAHO"),
    "me": ("VACATIONLAND",),
    "mn": ("10,000 LAKES", "10000 LAKES"),
    "ak": ("LAST FRONTIER",),
    "fl": ("SUNSHINE STATE", "MYFLORIDA"),
    "mt": ("BIG SKY", "TREASURE STATE"),
    "nv": ("SILVER STATE",),
    "az": ("GRAND CANYON",),
    "ct": ("CONSTITUTION STATE",),
    "ma": ("THE SPIRIT OF AMERICA",),
    "md": ("MD.GOV", "MARYLAND.GOV"),
    "hi": ("ALOHA",),
    "la": ("SPORTSMAN",),
    "in": ("CROSSROADS",),
    "ia": ("IOWA.GOV",),
    "ok": ("NATIVE AMERICA", "OK.GOV"),
    "ms": ("MAGNOLIA",),
    "tn": ("TNVACATION", "VOLUNTEER"),
    "tx": ("LONE STAR",),
    "ut": ("GREATEST SNOW",),
    "ky": ("UNBRIDLED", "BLUEGRASS"),
    "vt": ("GREEN MOUNTAIN",),
    "wi": ("AMERICA'S DAIRYLAND", "DAIRYLAND"),
    "de": ("FIRST STATE",),
    "ga": ("PEACH STATE",),
    "or": ("PACIFIC WONDERLAND",),
    "wa": ("EVERGREEN STATE",),
    "pa": ("VISITPA", "KEYSTONE"),
    "ar": ("NATURAL STATE",),
    "mo": ("SHOW-ME", "SHOW ME"),
    "ne": ("NEBRASKAland",),
    "oh": ("BIRTHPLACE OF AVIATION",),
}

STATE_FORMATS: dict[str, tuple[str, ...]] = {
    "al": ("9A9999A", "99A999A", "9A999AA", "99AA999", "9AA9999"),
    "ak": ("AAA999",),
    "az": ("AAA9999", "AAA999", "999AAA"),
    "ar": ("999AAA", "AAA999", "999AAAA"),
    "ca": ("9AAA999", "9AAA99", "9A99999"),
    "co": ("AAA999", "999AAA", "AAAA99", "AAA9999"),
    "ct": ("AA99999", "9AAAA9", "999AAA", "AA9999"),
    "de": ("999999", "99999", "9999999"),
    "dc": ("AA9999", "A99999"),
    "fl": ("AAA9999", "AAAA99", "999AAA", "AAA9A9", "9999AA"),
    "ga": ("AAA9999", "9999AA", "AAA999", "999AAAA"),
    "hi": ("AAA999", "AA9999"),
    "id": ("9A99999", "9A9999", "9A999A", "99A9999", "A999999", "9A9999A"),
    "il": ("AA99999", "A999999", "AA9999", "9999999"),
    "in": ("999A", "999AAA", "9999AA", "AAA999"),
    "ia": ("AAA999", "999AAA"),
    "ks": ("999AAA", "AAA999"),
    "ky": ("999AAA", "AAA999"),
    "la": ("999AAA", "AAA999"),
    "me": ("9999AA", "999AA", "99AA9"),
    "md": ("9AA9999", "AAA999", "9AA999"),
    "ma": ("9AA999", "999AA9", "99AA99", "9AAA99"),
    "mi": ("AAA9999", "9AAA99", "AAA999", "9AA999"),
    "mn": ("999AAA", "AAA999"),
    "ms": ("AAA999", "AAA9999"),
    "mo": ("AA9A9A", "AA9999", "A99A9A"),
    "mt": ("99999A", "9999999", "999999A", "AAA999"),
    "ne": ("AAA999", "99A999", "9A9999", "99A99"),
    "nv": ("999A99", "99A999", "999AAA", "AA999A"),
    "nh": ("9999999", "999999", "AAA999"),
    "nj": ("A99AAA", "AAA99A", "AAA9999"),
    "nm": ("AAA999", "999AAA"),
    "ny": ("AAA9999", "AAA999"),
    "nc": ("AAA9999", "AAA999"),
    "nd": ("999AAA",),
    "oh": ("AAA9999", "AA99AA"),
    "ok": ("AAA999", "999AAA"),
    "or": ("999AAA", "AAA999"),
    "pa": ("AAA9999", "AAA999"),
    "ri": ("999999", "AA999", "99999", "9AA999"),
    "sc": ("AAA999", "999AAA"),
    "sd": ("9A9999", "99A999", "9AA999"),
    "tn": ("A99999", "999AAA", "A9999A", "AAA999"),
    "tx": ("AAA9999", "AA9A999", "999AAA", "AAA999"),
    "ut": ("A999AA", "999AA9", "A99AA"),
    "vt": ("AAA999", "AA999"),
    "va": ("AAA9999", "AAA999"),
    "wa": ("AAA9999", "999AAA", "AAA999"),
    "wv": ("9A9999", "99A999", "AA9999"),
    "wi": ("AAA9999", "999AAA", "AA9999"),
    "wy": ("99999", "999999", "99A999", "9999"),
}

ALL_FORMATS: frozenset[str] = frozenset(f for fmts in STATE_FORMATS.values() for f in fmts)

# Scale factors of the format prior: region format, any US format, plausible length, implausible.
PRIOR_REGION = 1.0
PRIOR_LENGTH = 0.6
PRIOR_NONE = 0.05
# When the region is known, strings that do not fit its formats are penalised harder (vanity plates can
# still win with a clearly higher reading probability).
PRIOR_OTHER_STATE = 0.5
PRIOR_LENGTH_KNOWN = 0.35


def shape_of(text: str) -> str:
    """`7ABC123` -> `9AAA999`."""
    return "".join("9" if c.isdigit() else "A" for c in text)


def matches(text: str, fmt: str) -> bool:
    if len(text) != len(fmt):
        return False
    return all(f == "*" or (f == "9") == c.isdigit() for c, f in zip(text, fmt, strict=True))


def format_prior(text: str, region: str | None = None) -> float:
    """Soft prior for `text` being a US plate (of `region`, a two-letter code, when known)."""
    if region and any(matches(text, f) for f in STATE_FORMATS.get(region, ())):
        return PRIOR_REGION
    if shape_of(text) in ALL_FORMATS:
        return PRIOR_OTHER_STATE if region else PRIOR_REGION
    if 4 <= len(text) <= 8:
        return PRIOR_LENGTH_KNOWN if region else PRIOR_LENGTH
    if 2 <= len(text) <= 3:
        return PRIOR_LENGTH / 3
    return PRIOR_NONE


def regions_for(text: str) -> tuple[str, ...]:
    """States whose common formats match `text`."""
    return tuple(r for r, fmts in STATE_FORMATS.items() if any(matches(text, f) for f in fmts))


@lru_cache(maxsize=1)
def _hint_patterns() -> tuple[tuple[str, re.Pattern[str], float], ...]:
    pats: list[tuple[str, re.Pattern[str], float]] = []
    for region, hints in STATE_HINTS.items():
        for hint in hints:
            pats.append((region, re.compile(re.escape(_norm(hint))), 1.0))
    for region, name in STATE_NAMES.items():
        pats.append((region, re.compile(re.escape(name)), 0.8))
    return tuple(pats)


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def regions_from_text(texts: tuple[str, ...] | list[str]) -> dict[str, float]:
    """Score regions by state names and slogans found in secondary plate text (fuzzy for names)."""
    joined = _norm(" ".join(texts))
    scores: dict[str, float] = {}
    if not joined:
        return scores
    for region, pattern, weight in _hint_patterns():
        if pattern.search(joined):
            scores[region] = max(scores.get(region, 0.0), weight)
    if not scores:
        for region, name in STATE_NAMES.items():
            sim = _best_substring_similarity(name, joined)
            if sim >= 0.75:
                scores[region] = max(scores.get(region, 0.0), 0.8 * sim)
    _resolve_shared_words(scores, joined)
    return scores


def _resolve_shared_words(scores: dict[str, float], joined: str) -> None:
    """`CAROLINA`, `DAKOTA`, `VIRGINIA` are shared: prefer the state whose qualifier is present."""
    for pair, qual in ((("nc", "sc"), ("NORTH", "SOUTH")), (("nd", "sd"), ("NORTH", "SOUTH"))):
        if pair[0] in scores and pair[1] in scores:
            if qual[1] in joined and qual[0] not in joined:
                scores[pair[0]] *= 0.3
            elif qual[0] in joined:
                scores[pair[1]] *= 0.3
            else:
                scores[pair[0]] *= 0.6
                scores[pair[1]] *= 0.6
    if "va" in scores and "wv" in scores:
        if "WEST" in joined or "WILD" in joined:
            scores["va"] *= 0.3
        else:
            scores["wv"] *= 0.3


def _best_substring_similarity(name: str, text: str) -> float:
    """Similarity (0-1) of `name` to its best-aligned window of `text` (1 - edit distance / len)."""
    n = len(name)
    if len(text) < n - 2:
        return 0.0
    best = 0.0
    for width in (n - 1, n, n + 1):
        for start in range(0, max(1, len(text) - width + 1)):
            d = edit_distance(name, text[start : start + width])
            best = max(best, 1.0 - d / n)
    return best


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions each cost 1)."""
    return int(Levenshtein.distance(a, b))


@lru_cache(maxsize=1)
def _state_words() -> frozenset[str]:
    words = {_norm(n) for n in STATE_NAMES.values()}
    words |= {_norm(w) for hints in STATE_HINTS.values() for h in hints for w in h.split()}
    return frozenset(w for w in words if len(w) >= 4)


def is_state_word(text: str) -> bool:
    """A state name or a slogan word read as if it were a plate number (e.g. `TEXAS`, `FLORIDA`)."""
    norm = _norm(text)
    if any(c.isdigit() for c in norm):
        return False
    return any(edit_distance(norm, w) <= max(1, len(w) // 5) for w in _state_words())


def is_timestamp(text: str) -> bool:
    """A camera's date overlay read as text (`20140501`, `201405011230`): all digits, a real date first."""
    if not text.isdigit() or len(text) not in (8, 12, 14):
        return False
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    return 1990 <= year <= 2049 and 1 <= month <= 12 and 1 <= day <= 31


def normalize_plate(text: str) -> str:
    """Upper-case, keep A-Z0-9, and write the letter O as the digit 0 (the metric treats them as one)."""
    return re.sub(r"[^A-Z0-9]", "", text.upper()).replace("O", "0")
