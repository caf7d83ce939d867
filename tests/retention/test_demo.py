"""The demo shows the records workflows: a hold, a purge dry run, an evidence package, every request state."""

from __future__ import annotations

from pathlib import Path

from plateguard import demo
from plateguard.database import make_engine, make_session_factory, transaction
from plateguard.evidence.verify import verify
from plateguard.retention import holds
from plateguard.retention import purge as reads_purge
from plateguard.sharing import service as releases
from plateguard.sharing.models import RequestStatus


def test_demo_records(tmp_path: Path) -> None:
    settings, _ = demo.build(tmp_path / "demo")
    engine = make_engine(settings.resolved_database_url)
    with transaction(make_session_factory(engine)) as session:
        survey = reads_purge.survey(session=session)
        assert survey.expired == 9 and survey.held == 1  # a year-old read kept for litigation
        assert {hold.reason for hold in holds.list_(session=session, active_only=True)} >= {
            "litigation",
            "evidence",
        }
        states = {request.status for request in releases.list_(session=session)}
    engine.dispose()
    assert states == set(RequestStatus)
    package = verify(settings.data_dir / "evidence" / "demo-26-004711.zip")
    assert package.intact and package.case_number == "26-004711"
