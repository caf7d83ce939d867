"""Property-based fuzzing of the forms and parsers an outsider or a broken feed reaches: hot files and
archives, the sign-in form, passwords and two-factor codes, exported cells. Each may refuse, none may
crash: the only errors allowed are plateguard's own, with a message for the user."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plateguard.accounts import totp
from plateguard.accounts.passwords import check_password_rules
from plateguard.errors import InvalidInput
from plateguard.hotlists import formats, refresh
from plateguard.spreadsheet import FORMULA_STARTS, safe_cell
from tests.conftest import login_form_token

# Text that looks like hot files: their separators, digits, letters, dates, and the odd control byte.
HOT_TEXT = st.text(
    alphabet=st.sampled_from("ABCXYZ0123456789 ,;\"'?*/-:.\t\r\x00TOTALRECORDDATE"), max_size=80
)
HOT_LINES = st.lists(HOT_TEXT, max_size=12)


@settings(max_examples=400, deadline=None)
@given(fmt=st.sampled_from(formats.PARSERS), lines=HOT_LINES)
def test_hot_file_parsers_refuse_or_parse_never_crash(fmt: str, lines: list[str]) -> None:
    try:
        parsed = formats.parse(fmt, lines, file_name="svs.tbl")
    except InvalidInput as exc:
        assert exc.message and exc.field == "file"
        return
    for entry in parsed.entries:
        assert entry.plate_normalized == entry.plate_normalized.strip()


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["gzip", "zip", "raw", "truncated-gzip"]),
    body=st.binary(max_size=300),
    cut=st.integers(min_value=0, max_value=60),
)
def test_archive_unpacking_refuses_or_unpacks_never_crashes(kind: str, body: bytes, cut: int) -> None:
    if kind == "gzip":
        data = b"\x1f\x8b" + body
    elif kind == "truncated-gzip":
        data = gzip.compress(body)[:cut]
    elif kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("svs.tbl", body)
        data = buffer.getvalue()[: cut * 10 or None]
    else:
        data = b"PK\x03\x04" + body
    try:
        refresh.unpack(data, "upload")
    except InvalidInput as exc:
        assert exc.field == "file"


@settings(max_examples=300, deadline=None)
@given(password=st.text(max_size=120), username=st.text(max_size=20))
def test_password_rules_refuse_or_accept_never_crash(password: str, username: str) -> None:
    try:
        check_password_rules(password, min_length=12, username=username, agency="Test PD", full_name=username)
    except InvalidInput as exc:
        assert exc.field == "password"


@settings(max_examples=300, deadline=None)
@given(code=st.text(max_size=12), last=st.one_of(st.none(), st.integers(min_value=0, max_value=10**11)))
@example(code="\u0661\u0662\u0663\u0664\u0665\u0666", last=None)  # six digits, but not ASCII ones
@example(code="\uff11\uff12\uff13\uff14\uff15\uff16", last=None)  # full-width digits (phone keyboards)
def test_two_factor_codes_are_checked_never_crash(code: str, last: int | None) -> None:
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    step = totp.accepted_step("JBSWY3DPEHPK3PXP", code, last_step=last, now=now)
    assert step is None or (last is None or step > last)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=40))
def test_exported_cells_never_start_a_formula(value: str) -> None:
    assert not str(safe_cell(value)).startswith(FORMULA_STARTS)


FORM_TEXT = st.text(max_size=300)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    username=FORM_TEXT,
    password=FORM_TEXT,
    code=st.text(max_size=20),
    target=st.text(max_size=200),
    token_kind=st.sampled_from(["right", "missing", "wrong", "not_ascii"]),
)
@example(username="officer", password="x" * 12, code="", target="/", token_kind="not_ascii")
def test_the_sign_in_form_answers_every_input_without_a_server_error(
    client: TestClient, username: str, password: str, code: str, target: str, token_kind: str
) -> None:
    token = {"right": login_form_token(client), "missing": "", "wrong": "x" * 43, "not_ascii": "é" * 43}[
        token_kind
    ]
    form = {
        "username": username,
        "password": password,
        "totp_code": code,
        "next": target,
        "csrf_token": token,
    }
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code in {303, 401, 403, 422, 429}, response.text
    assert "Traceback" not in response.text
    if response.status_code == 303:
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith("//")
