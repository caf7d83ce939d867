"""The command line as a user runs it: real processes, real exit codes, one-line errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from plateguard.accounts.models import User
from plateguard.database import make_engine, make_session_factory

PASSWORD = "lieutenant-on-duty-4600"


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PLATEGUARD_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "plateguard", *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def init(tmp_path: Path, data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    password_file = tmp_path / "admin-password"
    password_file.write_text(PASSWORD + "\n")
    return run_cli(
        "init",
        "--data-dir",
        str(data_dir),
        "--admin-username",
        "lt.alvarez",
        "--admin-password-file",
        str(password_file),
        *extra,
        cwd=tmp_path,
    )


def test_init_creates_schema_secrets_and_administrator(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = init(tmp_path, data_dir)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    for name in ("metrics_token", "webhook_key"):
        assert stat.S_IMODE((data_dir / "secrets" / name).stat().st_mode) == 0o600
    engine = make_engine(f"sqlite:///{data_dir / 'plateguard.sqlite3'}")
    with make_session_factory(engine)() as session:
        admin = session.scalars(select(User)).one()
    assert admin.username == "lt.alvarez"
    assert {role.value for role in admin.roles} == {"administrator"}
    assert PASSWORD not in admin.password_hash


def test_init_reads_password_from_prompt_without_echo(tmp_path: Path) -> None:
    result = run_cli(
        "init", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout


def test_init_twice_keeps_accounts_and_secrets(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert init(tmp_path, data_dir).returncode == 0
    key = (data_dir / "secrets" / "webhook_key").read_text()
    again = init(tmp_path, data_dir)
    assert again.returncode == 0
    assert "none created" in again.stdout
    assert (data_dir / "secrets" / "webhook_key").read_text() == key


def test_weak_administrator_password_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("password1234\n")
    result = run_cli(
        "init", "--data-dir", str(tmp_path / "d"), "--admin-password-file", str(tmp_path / "pw"), cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["error: password is on the list of commonly used passwords"]


def test_broken_config_file_fails_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "plateguard.toml"
    config.write_text("[server]\nprot = 80\n")
    result = run_cli("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown setting 'server.prot'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_fails_in_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = run_cli(
        "db", "upgrade", "--data-dir", str(tmp_path), cwd=tmp_path, env={"PLATEGUARD_DATABASE_URL": url}
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unreachable" in result.stderr


def test_data_directory_under_a_file_fails_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("serve", "--data-dir", str(blocker / "data"), cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not writable" in result.stderr


def test_read_only_data_directory_fails_in_one_line(tmp_path: Path) -> None:
    result = run_cli("serve", "--data-dir", "/proc/plateguard-data", cwd=tmp_path)
    assert result.returncode == 1
    assert "not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_loads_data_and_works_again_after_removal(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    for _ in range(2):
        result = run_cli("demo", "--data-dir", str(data_dir), "--no-serve", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "officer" in result.stdout and "Operator" in result.stdout
        assert (data_dir / "plateguard.sqlite3").exists()
        subprocess.run(["rm", "-rf", str(data_dir)], check=True)


def test_demo_without_a_data_dir_removes_its_directory_on_exit(tmp_path: Path) -> None:
    result = run_cli("demo", "--no-serve", cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("Demo data in ")]
    folder = Path(line.removeprefix("Demo data in ").split(" (")[0])
    assert folder.parent == tmp_path.resolve() and "removed when the demo stops" in line
    assert not folder.exists()
    steps = [
        x.strip() for x in result.stdout.splitlines() if x.strip()[:3] in ("1. ", "2. ", "3. ", "4. ", "5. ")
    ]
    assert [s.split(" (sign in as ")[0] for s in steps] == [
        "1. Alert",
        "2. Verification",
        "3. Search",
        "4. Canvass",
        "5. Access log",
    ]
    assert "recruit" in result.stdout and "(no training)" in result.stdout
