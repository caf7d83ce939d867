"""Password rules (NIST SP 800-63B: length and a common-password list, no composition rules)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from plateguard.errors import InvalidInput

_hasher = PasswordHasher()  # argon2id with the library's maintained defaults


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_rules(password: str, *, min_length: int, username: str = "") -> None:
    if len(password) < min_length:
        raise InvalidInput(f"password must be at least {min_length} characters", field="password")
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.rstrip("0123456789!") in _common_passwords():
        raise InvalidInput("password is on the list of commonly used passwords", field="password")
    if username and username.lower() in lowered:
        raise InvalidInput("password must not contain the username", field="password")


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
