"""The password rules at their edges: the minimum length itself, the guess-estimate score itself."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from zxcvbn import zxcvbn

from plateguard.accounts.passwords import (
    burn_verification_time,
    check_password_rules,
    hash_password,
    verify_password,
)
from plateguard.errors import InvalidInput

CONTEXT = {"username": "ofc.chen", "agency": "Manteca Police Department", "full_name": "Officer Sam Chen"}


def test_a_password_of_exactly_the_minimum_length_is_accepted() -> None:
    assert len("tarn-vex-quo") == 12
    check_password_rules("tarn-vex-quo", min_length=12, **CONTEXT)


def test_one_character_short_is_refused_naming_the_password_field() -> None:
    with pytest.raises(InvalidInput, match="at least 12 characters") as refused:
        check_password_rules("tarn-vex-qu", min_length=12, **CONTEXT)
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["harbor lamp7", "violet-moth9", "mossy kettle"])
def test_safely_unguessable_is_enough_strong_is_not_required(password: str) -> None:
    assert zxcvbn(password)["score"] == 3  # "safely unguessable", one below the top score
    check_password_rules(password, min_length=12, **CONTEXT)


@pytest.mark.parametrize("password", ["1q2w3e4r5t6y", "password123456", "football12345", "iloveyou12345!"])
def test_a_common_password_or_one_with_digits_added_is_called_common(password: str) -> None:
    with pytest.raises(InvalidInput, match="commonly used passwords"):
        check_password_rules(password, min_length=12, **CONTEXT)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("tarn-vex-q", "at least 12 characters"),
        ("password123456", "commonly used"),
        ("ofc.chen-tarn-vex-quo", "username"),
        ("manteca-police-department-7", "agency"),
        ("aaaaaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_every_refusal_names_the_password_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as refused:
        check_password_rules(password, min_length=12, **CONTEXT)
    assert refused.value.field == "password"


@pytest.mark.parametrize("password", ["kowalczyk-sgt", "kowalczyk 1977"])
def test_the_words_of_a_username_count_even_when_the_name_on_file_differs(password: str) -> None:
    # Not the username itself, and nothing of the full name or agency: only the username's words make it
    # guessable (zxcvbn scores it 3 without them).
    with pytest.raises(InvalidInput, match="too easy to guess"):
        check_password_rules(
            password,
            min_length=12,
            username="sgt.kowalczyk",
            agency="Manteca Police Department",
            full_name="Dana Reyes",
        )


def test_the_words_of_the_agency_name_count_not_only_the_whole_name() -> None:
    # zxcvbn scores it 3 without the agency's words; the whole name is not in it.
    with pytest.raises(InvalidInput, match="too easy to guess"):
        check_password_rules("manteca-1977", min_length=12, **CONTEXT)


def test_a_guessable_password_is_refused_with_the_reason_why() -> None:
    with pytest.raises(InvalidInput, match='Repeats like "aaa" are easy to guess'):
        check_password_rules("aaaaaaaaaaaaaaa", min_length=12, **CONTEXT)


@pytest.mark.parametrize("stored", ["", "not-an-argon2-hash", "$argon2id$v=19$m=65536,t=3,p=4$broken"])
def test_a_damaged_stored_hash_is_a_wrong_password_not_an_error(stored: str) -> None:
    assert verify_password(stored, "tarn-vex-quo") is False


def test_an_unknown_username_costs_a_full_password_check() -> None:
    # Without it an outsider could tell which usernames exist by how fast the refusal comes back. A
    # password check (argon2id) takes tens of milliseconds, skipping it microseconds: far apart enough
    # for a ratio to hold on a busy machine.
    real = hash_password("tarn-vex-quo")
    check = min(_seconds(lambda: verify_password(real, "a-wrong-password")) for _ in range(3))
    burned = min(_seconds(lambda: burn_verification_time("a-wrong-password")) for _ in range(3))
    assert burned > 0.3 * check


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
