"""One time rule: what a user types is in the agency's time zone; what is stored and exported is UTC."""

from __future__ import annotations

import datetime as dt

from plateguard.hotlists.service import expiry_from_date
from plateguard.reads.search import forms

PACIFIC = "America/Los_Angeles"


def test_search_times_typed_in_the_form_are_the_agencys_local_time() -> None:
    query = forms.query_from_form(
        {"plate": "7ABC123", "since": "2026-07-04T21:30", "until": "2026-11-29T10:00"}, [], zone=PACIFIC
    )
    assert query.since == dt.datetime(2026, 7, 5, 4, 30, tzinfo=dt.UTC)  # PDT is UTC-7
    assert query.until == dt.datetime(2026, 11, 29, 18, 0, tzinfo=dt.UTC)  # PST is UTC-8


def test_a_time_with_its_own_offset_keeps_it() -> None:
    query = forms.query_from_form({"plate": "7ABC123", "since": "2026-11-29T10:00+00:00"}, [], zone=PACIFIC)
    assert query.since == dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)


def test_a_hotlist_expiry_date_runs_to_the_end_of_that_day_in_the_agencys_zone() -> None:
    assert expiry_from_date(dt.date(2026, 12, 31), PACIFIC) == dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.UTC)
