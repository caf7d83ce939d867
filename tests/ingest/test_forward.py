"""Store-and-forward for a patrol car: queued offline, uploaded in order, deleted only when acknowledged."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from plateguard.access_log.guard import system_scope
from plateguard.cli import app
from plateguard.ingest.forward import QUEUE_FILE, Forwarder, ForwardQueue
from plateguard.ingest.schemas import ReadSubmission
from plateguard.reads.models import PlateRead
from tests.ingest.conftest import a_read


def test_offline_reads_stay_queued(tmp_path: Path) -> None:
    queue = ForwardQueue(tmp_path / QUEUE_FILE)
    queue.put([ReadSubmission.model_validate(a_read())])
    forwarder = Forwarder(queue, url="http://127.0.0.1:9", token="pgd_x")
    assert forwarder.upload_once() is False
    assert len(queue) == 1


def test_queue_survives_a_restart_and_ignores_a_second_copy(tmp_path: Path) -> None:
    read = ReadSubmission.model_validate(a_read())
    ForwardQueue(tmp_path / QUEUE_FILE).put([read])
    reopened = ForwardQueue(tmp_path / QUEUE_FILE)
    assert reopened.put([read]) == 0
    assert len(reopened) == 1


def test_enqueue_command_validates_and_queues(tmp_path: Path) -> None:
    good = tmp_path / "reads.json"
    good.write_text(json.dumps({"reads": [a_read(), a_read()]}))
    lines = tmp_path / "more.jsonl"
    lines.write_text("\n".join(json.dumps(a_read()) for _ in range(3)))
    runner = CliRunner()
    result = runner.invoke(app, ["forward", "enqueue", str(good), str(lines), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "5 reads queued" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(a_read(latitude=123)))
    refused = runner.invoke(app, ["forward", "enqueue", str(bad), "--data-dir", str(tmp_path)])
    assert refused.exit_code == 1 and "latitude" in refused.output
    assert len(ForwardQueue(tmp_path / QUEUE_FILE)) == 5


def test_uploads_in_order_and_sets_aside_a_read_the_server_refuses(live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, token, factory = live_server
    queue = ForwardQueue(tmp_path / QUEUE_FILE)
    reads = [ReadSubmission.model_validate(a_read(f"7ABC{n:03d}")) for n in range(7)]
    reads[3] = reads[3].model_copy(update={"plate_image": b"GIF89a not a picture"})
    queue.put(reads)
    Forwarder(queue, url=url, token=token, batch=5).run(threading.Event(), until_empty=True, max_delay=0.2)
    assert len(queue) == 0 and queue.rejected_count() == 1
    with factory() as session, system_scope(session, "test"):
        plates = set(session.scalars(select(PlateRead.plate_text)))
    assert plates == {read.plate for n, read in enumerate(reads) if n != 3}


def test_a_revoked_token_keeps_the_reads_queued(live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = live_server
    queue = ForwardQueue(tmp_path / QUEUE_FILE)
    queue.put([ReadSubmission.model_validate(a_read())])
    assert Forwarder(queue, url=url, token="pgd_" + "z" * 43).upload_once() is False
    assert len(queue) == 1


def test_enqueue_takes_an_openalpr_group_as_the_agent_writes_it(tmp_path: Path) -> None:
    from tests.ingest.test_vendor_values import openalpr_group

    path = tmp_path / "group.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(openalpr_group()).encode())  # agents write a BOM
    result = CliRunner().invoke(app, ["forward", "enqueue", str(path), "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 reads queued" in result.output
    [(_, body)] = ForwardQueue(tmp_path / QUEUE_FILE).peek(10)
    assert json.loads(body)["plate"] == "6TRJ244" and json.loads(body)["region"] == "us-ca"
