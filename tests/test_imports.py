"""Every plateguard module imports on its own: no import cycle hides behind the order in which the
command line or the web app happens to import them. Each module is imported by a fresh child process
in which no plateguard module was loaded before (forked from one that loaded only the libraries, so the
walk takes seconds, not minutes)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import plateguard

CHILD = r"""
import json, os, sys, traceback
import cv2, fastapi, numpy, pydantic, sqlalchemy, starlette, typer  # libraries only, never plateguard
assert not [name for name in sys.modules if name.startswith("plateguard")]
failures, running = {}, []


def finish(name, pid, reader):
    with os.fdopen(reader, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    if message:
        failures[name] = message


for name in json.loads(sys.argv[1]):
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            __import__(name)
            message = b""
        except BaseException:
            message = traceback.format_exc().strip().splitlines()[-1].encode()
        os.write(writer, message)
        os._exit(0)
    os.close(writer)
    running.append((name, pid, reader))
    if len(running) >= 4:
        finish(*running.pop(0))
while running:
    finish(*running.pop(0))
print(json.dumps(failures))
"""


def all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(plateguard.__path__, prefix="plateguard."))


def test_the_walk_finds_the_modules_that_once_formed_a_cycle() -> None:
    names = all_modules()
    assert {"plateguard.cli", "plateguard.ingest.cli", "plateguard.ingest.media_cli"} <= set(names)
    assert len(names) > 120


def test_every_module_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(all_modules())],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


def test_a_module_that_cannot_import_on_its_own_is_named() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(["plateguard.no_such_module"])],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "plateguard.no_such_module" in json.loads(done.stdout.strip().splitlines()[-1])
