"""Region codes in every form senders write them, mapped to one stored form or kept as sent."""

from __future__ import annotations

import pytest

from plateguard.hotlists.states import from_region_or_usps, of_read
from plateguard.reads.regions import BareCode, Region, normalize


@pytest.mark.parametrize(
    ("sent", "bare", "stored"),
    [
        ("mo", BareCode.STATE, Region("us-mo")),  # OpenALPR's own examples
        ("GA", BareCode.STATE, Region("us-ga")),
        ("us-ca", BareCode.STATE, Region("us-ca")),
        ("US_CA", BareCode.STATE, Region("us-ca")),
        (" us ca ", BareCode.STATE, Region("us-ca")),
        ("ca-on", BareCode.STATE, Region("ca-on")),
        ("mx-bcn", BareCode.STATE, Region("mx-bcn")),
        ("fr", BareCode.COUNTRY, Region("fr")),  # Plate Recognizer: a country
        ("de", BareCode.COUNTRY, Region("de")),
        ("de", BareCode.STATE, Region("us-de")),  # Delaware to a US recogniser
        ("fr", BareCode.STATE, Region("fr")),  # no state FR: the country
        ("USA", BareCode.STATE, Region("us")),
        ("zz-9x", BareCode.STATE, Region(None, "zz-9x")),
        ("Kalifornia", BareCode.STATE, Region(None, "Kalifornia")),
        ("", BareCode.STATE, Region(None)),
        (None, BareCode.STATE, Region(None)),
    ],
)
def test_region_forms(sent: object, bare: BareCode, stored: Region) -> None:
    assert normalize(sent, bare=bare) == stored


def test_a_country_alone_names_no_state_for_hotlist_matching() -> None:
    assert (of_read("us-ca"), of_read("fr"), of_read(None)) == ("CA", None, None)


@pytest.mark.parametrize(
    "written, state",
    [("CA", "CA"), ("us-ca", "CA"), ("US_CA", "CA"), ("mo", "MO"), ("ca-on", "ON"), ("ON", "ON"), ("", None)],
)
def test_a_list_entry_names_its_state_the_way_a_read_does(written: str, state: str | None) -> None:
    assert from_region_or_usps(written) == state
    if state is not None:
        assert of_read(f"us-{state.lower()}") == state or of_read(f"ca-{state.lower()}") == state


@pytest.mark.parametrize("written", ["ZZ", "fr", "usa", "mx-bcn", "12"])
def test_a_list_entry_with_no_state_or_province_is_refused_naming_it(written: str) -> None:
    with pytest.raises(ValueError, match="is not a US state or a province code"):
        from_region_or_usps(written)
