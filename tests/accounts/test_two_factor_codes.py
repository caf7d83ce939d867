"""Two-factor codes as typed or pasted: what is accepted, and what is refused without an error page."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from plateguard.accounts import administration, signin, totp
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from plateguard.errors import NotAuthenticated
from tests.conftest import TEST_PASSWORD, MakeUser

NOW = dt.datetime(2026, 11, 30, 9, 0, 10, tzinfo=dt.UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def ascii_to(digits: str, zero: str) -> str:
    """The same digits written with another script's digits (zero is that script's 0)."""
    return "".join(chr(ord(zero) + int(d)) for d in digits)


def test_a_pasted_code_with_whitespace_around_it_is_accepted() -> None:
    code = pyotp.TOTP(SECRET).at(NOW)
    assert totp.accepted_step(SECRET, f" {code}\n", last_step=None, now=NOW) == int(NOW.timestamp()) // 30


@pytest.mark.parametrize(
    "zero", ["\uff10", "\u0660", "\u0966"], ids=["fullwidth", "arabic-indic", "devanagari"]
)
def test_the_right_code_in_other_digits_is_refused_not_an_error(zero: str) -> None:
    code = ascii_to(pyotp.TOTP(SECRET).at(NOW), zero)
    assert code.isdigit() and not code.isascii()
    assert totp.accepted_step(SECRET, code, last_step=None, now=NOW) is None


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "", "      ", "12 456"])
def test_anything_but_six_digits_is_refused(code: str) -> None:
    assert totp.accepted_step(SECRET, code, last_step=None, now=NOW) is None


def test_a_code_in_other_digits_at_sign_in_reads_as_any_wrong_code(
    db: Session, settings: Settings, make_user: MakeUser
) -> None:
    user = make_user("det.okafor", Role.INVESTIGATOR)
    enrolled = dt.datetime.now(dt.UTC)
    administration.enrol_totp(session=db, user=user, secret=SECRET, code=pyotp.TOTP(SECRET).at(enrolled))
    factory = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint")
    later = enrolled + dt.timedelta(seconds=31)
    fullwidth = ascii_to(pyotp.TOTP(SECRET).at(later), "\uff10")
    with pytest.raises(NotAuthenticated, match="wrong username, password or authenticator code"):
        signin.sign_in(
            factory=factory,
            security=settings.security,
            username="det.okafor",
            password=TEST_PASSWORD,
            totp_code=fullwidth,
            now=later,
        )


@pytest.mark.parametrize("age", [0, 30], ids=["the same code", "the step before it"])
def test_after_a_code_is_used_neither_it_nor_an_older_one_is_accepted(age: int) -> None:
    used_step = int(NOW.timestamp()) // 30
    code = pyotp.TOTP(SECRET).at(NOW - dt.timedelta(seconds=age))
    assert totp.accepted_step(SECRET, code, last_step=used_step, now=NOW) is None
    assert totp.accepted_step(SECRET, code, last_step=used_step - 2, now=NOW) == used_step - age // 30
