"""Bad configuration values stop the command with one line naming the key, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run_cli


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PLATEGUARD_DATABASE_URL": "mysql://alpr@db/alpr"}, "'database_url'"),
        ({"PLATEGUARD_DATABASE_URL": "not a url at all"}, "'database_url'"),
        ({"PLATEGUARD_DATABASE_URL": "postgresql://alpr@db/alpr"}, "'database_url'"),
        (
            {"PLATEGUARD_ALERTS__EMAIL__RECIPIENTS": "watch@manteca.example"},
            "PLATEGUARD_ALERTS__EMAIL__RECIPIENTS",
        ),
        ({"PLATEGUARD_ACCESS__PURPOSES": "Investigation,Audit"}, "PLATEGUARD_ACCESS__PURPOSES"),
    ],
)
def test_a_bad_environment_value_is_one_line(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = run_cli("db", "upgrade", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0]


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "plateguard.toml"
    config.write_bytes(b'[agency]\nname = "Polic\xeda de Manteca"\n')
    result = run_cli("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"error: config file {config} is not UTF-8 text (byte 22)"
