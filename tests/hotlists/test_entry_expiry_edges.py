"""A hand entry's expiry at its exact limits, with the clock held still: an expiry at this very moment is
already past, one exactly the allowed days (plus the day's end) ahead is still allowed, a moment later is
not; a partial plate's refusal names the field to correct."""

from __future__ import annotations

import datetime as dt

import pytest

from plateguard.errors import Forbidden, InvalidInput
from plateguard.hotlists import service as hotlist_service
from plateguard.hotlists.parsed import ParsedEntry
from tests.hotlists.conftest import stolen

NOW = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)
MAX_DAYS = 30


@pytest.fixture(autouse=True)
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hotlist_service, "utcnow", lambda: NOW)


def check(entry: ParsedEntry, *, may_enter_partial: bool = True) -> None:
    hotlist_service.validate_manual(
        entry, purpose="Criminal investigation", may_enter_partial=may_enter_partial, max_days=MAX_DAYS
    )


def test_an_expiry_at_this_very_moment_is_already_past() -> None:
    with pytest.raises(InvalidInput, match="the expiry is in the past") as past:
        check(stolen("7ABC123", case_number="26-1", expires_at=NOW))
    assert past.value.field == "expires_at"
    check(stolen("7ABC123", case_number="26-1", expires_at=NOW + dt.timedelta(microseconds=1)))


def test_an_expiry_exactly_at_the_limit_is_allowed_and_a_moment_later_is_not() -> None:
    limit = NOW + dt.timedelta(days=MAX_DAYS + 1)  # the allowed days, and the last one's end
    check(stolen("7ABC123", case_number="26-1", expires_at=limit))
    with pytest.raises(InvalidInput, match=f"at most {MAX_DAYS} days") as too_far:
        check(stolen("7ABC123", case_number="26-1", expires_at=limit + dt.timedelta(microseconds=1)))
    assert too_far.value.field == "expires_at"


@pytest.mark.parametrize(
    ("entry", "may_enter_partial", "error", "field"),
    [
        (stolen("7AB*", case_number="26-1", expires_at=NOW, is_wildcard=True), False, Forbidden, "plate"),
        (
            stolen("7AB*", expires_at=NOW + dt.timedelta(days=1), is_wildcard=True),
            True,
            InvalidInput,
            "case_number",
        ),
        (stolen("7AB*", case_number="26-1", is_wildcard=True), True, InvalidInput, "expires_at"),
        (
            stolen("7*", case_number="26-1", expires_at=NOW + dt.timedelta(days=1), is_wildcard=True),
            True,
            InvalidInput,
            "plate",
        ),
    ],
)
def test_a_partial_plates_refusal_names_the_field_to_correct(
    entry: ParsedEntry, may_enter_partial: bool, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as refused:
        check(entry, may_enter_partial=may_enter_partial)
    assert refused.value.field == field  # type: ignore[attr-defined]
