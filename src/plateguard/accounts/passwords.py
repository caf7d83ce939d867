"""Password rules (NIST SP 800-63B: length and a common-password list, no composition rules)."""

from __future__ import annotations

import hashlib
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from plateguard.errors import InvalidInput

_hasher = PasswordHasher()  # argon2id with the library's maintained defaults


def token_hash(token: str) -> str:
    """How a bearer token (a login session's cookie, a camera's device token) is stored: SHA-256. The
    tokens are 256-bit random strings, so a slow password hash would add nothing but latency."""
    return hashlib.sha256(token.encode()).hexdigest()


ZXCVBN_MAX_LENGTH = 72
MIN_ZXCVBN_SCORE = 3  # "safely unguessable": about 10^8 guesses and more


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_rules(
    password: str, *, min_length: int, username: str, agency: str, full_name: str
) -> None:
    """Length, the common-password list, then zxcvbn's guess estimate (score 3 of 4 or better), with the
    username, the user's name and the agency's name counted as words an attacker tries first.

    Whitespace is part of the password as typed: nothing here or in the callers strips it.
    """
    if len(password) < min_length:
        raise InvalidInput(f"password must be at least {min_length} characters", field="password")
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.rstrip("0123456789!") in _common_passwords():
        raise InvalidInput("password is on the list of commonly used passwords", field="password")
    if username and username.lower() in lowered:
        raise InvalidInput("password must not contain the username", field="password")
    if agency and _letters(agency) and _letters(agency) in _letters(password):
        raise InvalidInput("password must not contain the agency's name", field="password")
    _check_guessability(password, [username, agency, full_name])


def _letters(text: str) -> str:
    """Letters and digits only (in any script), lower case: 'Manteca P.D.' -> 'mantecapd'."""
    return re.sub(r"[\W_]", "", text.lower())


def _check_guessability(password: str, context: list[str]) -> None:
    from zxcvbn import zxcvbn

    words = [word for text in context if text for word in (text, *text.lower().replace(".", " ").split())]
    # zxcvbn refuses more than 72 characters (its cost grows with length); the first 72 decide the score.
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] < MIN_ZXCVBN_SCORE:
        hint = result["feedback"].get("warning") or "add more words that are not about you or the agency"
        raise InvalidInput(f"password is too easy to guess: {hint}", field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown username costs as long as a wrong password."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("plateguard-dummy-password-for-timing")
