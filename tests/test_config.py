from __future__ import annotations

from pathlib import Path

import pytest

from plateguard.config import load_settings
from plateguard.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("PLATEGUARD_CONFIG", "PLATEGUARD_DATA_DIR", "PLATEGUARD_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plateguard.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings()
    assert settings.server.port == 8460
    assert settings.security.session_idle_minutes == 30
    assert settings.resolved_database_url.startswith("sqlite:///")


def test_toml_file_is_read_and_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path, 'data_dir = "/srv/alpr"\n[server]\nport = 9000\n[security]\nsession_idle_minutes = 15\n'
    )
    monkeypatch.setenv("PLATEGUARD_SERVER__PORT", "9100")
    settings = load_settings(config_file=path)
    assert settings.data_dir == Path("/srv/alpr")
    assert settings.security.session_idle_minutes == 15
    assert settings.server.port == 9100


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('[agency]\nname = "Lathrop Police Services"\n')
    monkeypatch.setenv("PLATEGUARD_CONFIG", str(path))
    assert load_settings().agency.name == "Lathrop Police Services"


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATEGUARD_DATABASE_URL", "postgresql+psycopg://alpr@db/alpr")
    assert load_settings().resolved_database_url == "postgresql+psycopg://alpr@db/alpr"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nprot = 80\n", "unknown setting 'server.prot'"),
        ("colour = 'blue'\n", "unknown setting 'colour'"),
        ("[server]\nport = 70000\n", "invalid setting 'server.port'"),
        ("[security]\nsession_idle_minutes = 'soon'\n", "invalid setting 'security.session_idle_minutes'"),
        ("[security]\nmin_password_length = 8\n", "invalid setting 'security.min_password_length'"),
        ("[server\nport = 1\n", "is not valid TOML"),
        ("[recognition]\nreader = 'tesseract'\n", "invalid setting 'recognition.reader'"),
    ],
)
def test_bad_files_are_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[")):
        load_settings(config_file=write(tmp_path, text))


def test_unknown_environment_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATEGUARD_SERVR__PORT", "1")
    with pytest.raises(ConfigurationError, match="PLATEGUARD_SERVR__PORT"):
        load_settings()


def test_invalid_environment_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATEGUARD_SERVER__PORT", "not-a-port")
    with pytest.raises(ConfigurationError, match=r"server\.port"):
        load_settings()


def test_missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml")


def test_secrets_are_never_defaulted(tmp_path: Path) -> None:
    settings = load_settings(overrides={"data_dir": tmp_path})
    with pytest.raises(ConfigurationError, match="plateguard init"):
        settings.secret("webhook_key")


def test_plate_reader_setting_offers_the_engines_readers_and_default() -> None:
    from typing import get_args

    from plateguard.config import RecognitionSettings
    from plateguard.recognition.pipeline import DEFAULT_READER, READERS

    assert load_settings().recognition.reader == DEFAULT_READER
    assert get_args(RecognitionSettings.model_fields["reader"].annotation) == READERS


def test_the_agencys_tile_server_is_set_in_the_config_file_and_allowed_by_the_page_policy(
    tmp_path: Path,
) -> None:
    from plateguard.web.hardening import content_security_policy

    path = tmp_path / "plateguard.toml"
    path.write_text(
        '[map]\ntile_url = "https://{s}.gis.example-county.gov/tiles/{z}/{x}/{y}.png"\n'
        'attribution = "County GIS"\n'
    )
    settings = load_settings(config_file=path)
    assert settings.map.tile_url.startswith("https://{s}.gis.example-county.gov/")
    assert settings.map.attribution == "County GIS"
    policy = content_security_policy(settings)
    assert "img-src 'self' data: blob: https://*.gis.example-county.gov;" in policy
    assert "connect-src 'self';" in policy  # tiles are images: nothing else may reach that host
    plain = tmp_path / "no-map.toml"
    plain.write_text('[agency]\nname = "Manteca Police Department"\n')
    assert "img-src 'self' data: blob:;" in content_security_policy(load_settings(config_file=plain))
