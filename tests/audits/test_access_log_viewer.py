"""The Auditor's access-log viewer: any field alone or together, the agency's days, no 422 for empty
dates, paging to the end of any number of records, readable queries, and the export with its proof."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import re
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from plateguard.access_log.checkpoints import write_checkpoint
from plateguard.accounts.models import User
from plateguard.accounts.roles import Role
from plateguard.config import Settings
from tests.audits.conftest import Log, at
from tests.conftest import APP_ROLE_OF, sign_in


@pytest.fixture()
def auditor_client(client: TestClient, trained) -> TestClient:  # type: ignore[no-untyped-def]
    trained("sgt.brooks", Role.AUDITOR)
    sign_in(client, "sgt.brooks")
    return client


@pytest.fixture()
def crafted(make_user, log: Log) -> dict[str, int]:  # type: ignore[no-untyped-def]
    nair: User = make_user("det.nair", Role.INVESTIGATOR, full_name="Det. Priya Nair")
    chen: User = make_user("ofc.chen", Role.OPERATOR, full_name="Ofc. James Chen")
    return {
        "nair_plate": log(nair, "reads.search", at(9, 10), plate="7ABC123", case="26-1"),
        "nair_late": log(nair, "reads.timeline", at(9, 23, 30), plate="4LATE44", case="26-2"),
        "chen_plate": log(
            chen, "reads.search", at(10, 8), plate="7ABC123", case="26-3", purpose="Wanted person or warrant"
        ),
        "chen_refused": log(chen, "reads.export", at(10, 9), plate="7ABC123", case="26-3", outcome="refused"),
    }


def sequences(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr(?: class="[^"]*")?><td>(\d+)</td>', page)]


def test_empty_dates_and_an_empty_form_are_not_an_error(
    auditor_client: TestClient, crafted: dict[str, int]
) -> None:
    blank = {
        "username": "",
        "action": "",
        "plate": "",
        "purpose": "",
        "case_number": "",
        "since": "",
        "until": "",
    }
    response = auditor_client.get("/audit/access-log", params=blank)
    assert response.status_code == 200
    assert set(crafted.values()) <= set(sequences(response.text))
    bad = auditor_client.get(
        "/audit/access-log", params={"since": "10/09/2026"}, headers={"Accept": "text/html"}
    )
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"username": "det.nair"}, {"nair_plate", "nair_late"}),
        ({"action": "reads.search"}, {"nair_plate", "chen_plate"}),
        ({"plate": "7abc 123"}, {"nair_plate", "chen_plate", "chen_refused"}),
        ({"purpose": "Wanted person or warrant"}, {"chen_plate"}),
        ({"case_number": "26-3"}, {"chen_plate", "chen_refused"}),
        ({"outcome": "refused"}, {"chen_refused"}),
        ({"plate": "7ABC123", "username": "ofc.chen", "outcome": "ok"}, {"chen_plate"}),
        # 23:30 on the 9th in California is the 10th in UTC: the day filter is the agency's day.
        ({"since": "2026-10-09", "until": "2026-10-09"}, {"nair_plate", "nair_late"}),
        ({"since": "2026-10-10", "until": "2026-10-10"}, {"chen_plate", "chen_refused"}),
    ],
)
def test_each_field_filters_alone_and_together(
    auditor_client: TestClient, crafted: dict[str, int], params: dict[str, str], expected: set[str]
) -> None:
    page = auditor_client.get("/audit/access-log", params=params).text
    shown = set(sequences(page))
    assert {name for name, seq in crafted.items() if seq in shown} == expected


def test_queries_are_shown_in_words_and_times_in_the_agencys_zone(
    auditor_client: TestClient, crafted: dict[str, int]
) -> None:
    page = auditor_client.get("/audit/access-log", params={"username": "det.nair"}).text
    assert "plate 4LATE44" in page and '{"plate"' not in page and "&#34;plate&#34;" not in page
    assert "2026-10-09 23:30:00 PDT" in page


def test_paging_reaches_every_record_with_the_filter_kept(  # type: ignore[no-untyped-def]
    auditor_client: TestClient,
    make_user,
    log: Log,
) -> None:
    user = make_user("ofc.many", Role.OPERATOR)
    made = [log(user, "reads.search", at(12, 8 + n // 60, n % 60), case=f"26-{n}") for n in range(230)]
    seen: list[int] = []
    url = "/audit/access-log?username=ofc.many"
    for _ in range(5):
        page = auditor_client.get(url).text
        seen += sequences(page)
        older = re.search(r'href="\?([^"]*before=\d+)">Older', page)
        if older is None:
            break
        url = "/audit/access-log?" + older.group(1).replace("&amp;", "&")
    assert seen == sorted(made, reverse=True)  # every record once, newest first, none of anyone else's
    newer = re.search(r'href="\?([^"]*after=\d+)">Newer', page)
    assert newer is not None
    back = auditor_client.get("/audit/access-log?" + newer.group(1).replace("&amp;", "&")).text
    assert sequences(back) == sorted(made, reverse=True)[100:200]


def test_export_holds_the_filtered_records_and_a_proof_they_are_complete(
    auditor_client: TestClient, crafted: dict[str, int], settings: Settings, db: Session
) -> None:
    write_checkpoint(Bound(db), settings.data_dir)  # type: ignore[arg-type]
    response = auditor_client.get("/audit/access-log/export", params={"plate": "7ABC123"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    rows = list(csv.DictReader(io.StringIO(bundle.read("access-log.csv").decode())))
    assert [int(r["sequence"]) for r in rows] == sorted(
        crafted[k] for k in ("nair_plate", "chen_plate", "chen_refused")
    )
    assert rows[0]["query"] == "plate 7ABC123" and rows[0]["occurred_at_local"] == "2026-10-09 10:00:00 PDT"
    proof = json.loads(bundle.read("proof.json"))
    assert proof["problems"] == [] and proof["statement"].startswith("every record from")
    assert proof["checkpoint"] is not None and proof["public_key"].startswith("ed25519:")
    links = proof["chain_links"]
    assert links[0][0] == int(rows[0]["sequence"]) and links[-1][0] == proof["checkpoint"]["sequence"]
    assert all(later[1] == earlier[2] for earlier, later in itertools.pairwise(links))


def test_a_record_removed_by_an_insider_makes_the_proof_say_so(
    auditor_client: TestClient, crafted: dict[str, int], settings: Settings, db: Session
) -> None:
    if APP_ROLE_OF:
        pytest.skip("the insider here is the owner, who can disable the trigger; the application role cannot")
    write_checkpoint(Bound(db), settings.data_dir)  # type: ignore[arg-type]
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("DROP TRIGGER access_record_no_delete"))
    else:
        db.execute(text("ALTER TABLE access_record DISABLE TRIGGER access_record_append_only"))
    db.execute(text("DELETE FROM access_record WHERE sequence = :s"), {"s": crafted["chen_plate"]})
    response = auditor_client.get("/audit/access-log/export", params={"plate": "7ABC123"})
    proof = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("proof.json"))
    missing = crafted["chen_plate"]
    assert proof["statement"].startswith("NOT COMPLETE")
    assert f"records {missing} to {missing} are missing from the chain" in proof["problems"]


class Bound:
    """The test's own connection where ``write_checkpoint`` expects an engine (the test data is not
    committed, so another connection would not see it)."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def connect(self) -> contextlib.AbstractContextManager[Connection]:
        return contextlib.nullcontext(self.db.connection())
