"""Mutation testing of the policy-critical modules: would the tests notice a broken promise?

    python bench/mutation.py [--module NAME ...] [--list] [--match TEXT]

Each module in bench/mutation.toml names the files to mutate and the tests that cover them. For every
mutant (one small change: a flipped comparison, a dropped field, a widened permission; see
bench/support/mutants.py) the covering tests run with ``pytest -x -q -p no:cacheprovider``; a failing,
crashing or timed-out run kills the mutant, a green run lets it survive. Mutants known to be equivalent
(no test could tell them apart from the original) are listed with the reason in
bench/mutation_equivalents.toml and left out of the score. The last line is one JSON object with the
score per module.

Why the project's own small AST mutator and not mutmut: mutmut 3 rewrites a whole project into a
``mutants/`` copy with trampolines, assumes a flat layout and runs its own test selection; here each
module needs its own few covering tests, a bound per module and per mutant, and domain operators
(swapping one permission for another, adding a permission to a role) that mutmut does not have.

How it stays fast and never touches the working tree: ``src/plateguard`` is copied to a temporary
folder once, and each mutant is written into that copy only. The tests run in a forked child of a
process that has already imported the third-party libraries, with the copy first on ``sys.path`` (and
``PYTHONPATH`` for any subprocess a test starts), so a mutant costs the import of plateguard itself
and the tests, not a fresh interpreter. PostgreSQL is left out (its URL is unset): SQLite only, except
for a module marked ``postgres = true``, whose tests get the server's URL.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import dataclasses
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.mutants import Extras, Mutant, mutants

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "plateguard"
CONFIG = Path(__file__).with_name("mutation.toml")
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")
# Left for the child to import: anyio keeps per-process event-loop state that a forked child must not inherit
# (a TestClient in the child then fails to start its portal).
NOT_WARMED = frozenset(
    {"anyio", "asyncio", "_asyncio", "sniffio", "starlette", "fastapi", "httpx", "httpcore", "uvloop"}
)
PYTEST_ARGS = [
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "--assert=plain",
    "-m",
    "not postgres",
]


@dataclass(frozen=True)
class Target:
    """One file to mutate: all of it, only the named top-level functions or classes, or all but the named
    ones (covered by another module's entry); some operators left out."""

    path: str
    skip: frozenset[str] = frozenset()
    functions: tuple[str, ...] = ()
    skip_functions: tuple[str, ...] = ()
    tests_first: tuple[str, ...] = ()  # of the module's tests, those most likely to kill: run them first


@dataclass(frozen=True)
class Module:
    name: str
    files: list[Target]
    tests: list[str]
    module_seconds: float
    mutant_seconds: float
    extras: Extras
    pytest_args: tuple[str, ...] = ()
    postgres: bool = False  # the covering tests run on PostgreSQL too (PLATEGUARD_TEST_POSTGRES_URL kept)


@dataclass
class Result:
    module: str
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    timed_out: int = 0
    not_run: int = 0
    seconds: float = 0.0
    baseline_s: float = 0.0
    survivors: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        scored = self.killed + len(self.survivors)
        return 100.0 * self.killed / scored if scored else 0.0


def load_modules() -> list[Module]:
    config = tomllib.loads(CONFIG.read_text())
    defaults = config.get("defaults", {})
    modules = []
    for name, entry in config["modules"].items():
        options = entry.get("file_options", {})
        targets = [
            Target(
                path,
                frozenset(options.get(path, {}).get("skip_operators", [])),
                tuple(options.get(path, {}).get("functions", [])),
                tuple(options.get(path, {}).get("skip_functions", [])),
                tuple(options.get(path, {}).get("tests_first", [])),
            )
            for path in entry["files"]
        ]
        modules.append(
            Module(
                name=name,
                files=targets,
                tests=entry["tests"],
                module_seconds=float(entry.get("module_seconds", defaults.get("module_seconds", 300))),
                mutant_seconds=float(entry.get("mutant_seconds", defaults.get("mutant_seconds", 60))),
                extras=Extras(swaps=entry.get("swaps", {}), additions=entry.get("additions", {})),
                pytest_args=tuple(entry.get("pytest_args", [])),
                postgres=bool(entry.get("postgres", False)),
            )
        )
    return modules


def load_equivalents() -> dict[str, str]:
    """Mutant id (``MODULE|id`` for an entry that names its ``module``) -> why no test can kill it."""
    entries = tomllib.loads(EQUIVALENTS.read_text()).get("equivalent", [])
    return {_scoped(entry.get("module"), entry["mutant"]): entry["reason"] for entry in entries}


def _scoped(module: str | None, mutant_id: str) -> str:
    return f"{module}|{mutant_id}" if module else mutant_id


def is_equivalent(mutant: Mutant, equivalents: dict[str, str], module: str) -> bool:
    """Listed by its exact id, for every module or for this one: when the code moves, the entry must be
    moved too (the bench shows it)."""
    return mutant.id in equivalents or _scoped(module, mutant.id) in equivalents


# ---- running the covering tests in a forked, pre-warmed child -------------------------------------


def warm_up(tests: list[str]) -> None:
    """Import, in this process, every third-party module the covering tests import (found by a child)."""
    names = [t.split("::")[0].removesuffix(".py").replace("/", ".") for t in tests]
    probe = (
        "import sys\n"
        f"for name in ['tests.conftest', *{names!r}]:\n"
        "    __import__(name)\n"
        "print('\\n'.join(m for m in sys.modules if not m.startswith(('plateguard', 'tests', '__main__'))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=300
    )
    for name in sorted(found.stdout.split()):
        if name.split(".")[0] in NOT_WARMED:
            continue
        try:
            importlib.import_module(name)
        except BaseException:
            continue


def run_tests(
    copy_src: Path, tests: list[str], timeout: float, workdir: Path, env: dict[str, str] | None = None
) -> tuple[str, float]:
    """'passed', 'failed' or 'timeout', and the seconds it took."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 3
        try:
            os.setpgid(0, 0)
            log = os.open(workdir / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.dont_write_bytecode = True
            sys.path.insert(0, str(copy_src))
            os.environ["PYTHONPATH"] = str(copy_src)
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            os.environ.update(env or {})
            import pytest

            code = int(pytest.main([*PYTEST_ARGS, f"--basetemp={workdir / 'tmp'}", *tests]))
        finally:
            os._exit(code)
    deadline = started + timeout
    try:
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                cpu_seconds.append(usage.ru_utime + usage.ru_stime)
                code = os.waitstatus_to_exitcode(status)
                return ("passed" if code == 0 else "failed"), time.perf_counter() - started
            if time.perf_counter() > deadline:
                _kill(pid)
                return "timeout", time.perf_counter() - started
            time.sleep(0.02)
    except BaseException:  # Ctrl-C: the tests run in a process group of their own, so end it too
        _kill(pid)
        raise


cpu_seconds: list[float] = []  # of each finished test run, to tell the machine's load from the work


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def check_copy_is_used(copy_src: Path, workdir: Path) -> None:
    """Fail loudly if the child would import the working tree instead of the copy."""
    marker = workdir / "where.txt"
    probe = workdir / "test_where.py"
    probe.write_text(
        "import pathlib, plateguard\n"
        f"def test_where():\n    pathlib.Path({str(marker)!r}).write_text(plateguard.__file__)\n"
    )
    outcome, _ = run_tests(copy_src, [str(probe), "--rootdir", str(workdir)], 120, workdir)
    where = marker.read_text() if marker.exists() else ""
    if outcome != "passed" or not where.startswith(str(copy_src)):
        raise SystemExit(f"mutation bench: the tests did not import the copy ({where or outcome})")


# ---- one module --------------------------------------------------------------------------------------


def module_mutants(module: Module) -> list[Mutant]:
    found: list[Mutant] = []
    for target in module.files:
        source = (PACKAGE / target.path).read_bytes()
        every = mutants(target.path, source, module.extras, target.skip)
        if target.functions:
            spans = _spans(source, target.functions)
            every = [m for m in every if any(m.line in span for span in spans)]
        if target.skip_functions:
            spans = _spans(source, target.skip_functions)
            every = [m for m in every if not any(m.line in span for span in spans)]
        found += every
    return found


def _spans(source: bytes, names: tuple[str, ...]) -> list[range]:
    """The lines of the named top-level functions and classes."""
    return [
        range(node.lineno, (node.end_lineno or node.lineno) + 1)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name in names
    ]


POSTGRES_ENV = "PLATEGUARD_TEST_POSTGRES_URL"
POSTGRES_URL: list[str] = []  # the server's URL, kept for the modules that ask for PostgreSQL


def module_environment(module: Module) -> dict[str, str]:
    if not module.postgres:
        return {}
    if not POSTGRES_URL:
        raise SystemExit(f"{module.name} runs its tests on PostgreSQL: set {POSTGRES_ENV}")
    return {POSTGRES_ENV: POSTGRES_URL[0]}


def _tests_in_order(arguments: list[str], first: tuple[str, ...]) -> list[str]:
    """The same pytest arguments with the ``first`` test files moved to the front of the files (with -x,
    a mutant is killed as soon as one fails, so the likeliest killers save the most time)."""
    unknown = set(first) - set(arguments)
    if unknown:
        raise SystemExit(f"tests_first names files that are not the module's tests: {sorted(unknown)}")
    files = [
        *first,
        *(argument for argument in arguments if argument.startswith("tests/") and argument not in first),
    ]
    options = [argument for argument in arguments if not argument.startswith("tests/")]
    return [*options, *files]


def run_module(module: Module, copy_src: Path, equivalents: dict[str, str], match: list[str]) -> Result:
    result = Result(module.name)
    workdir = Path(tempfile.mkdtemp(prefix=f"mutation-{module.name}-"))
    try:
        every_test = ["-m", ""] if module.postgres else []  # undoes PYTEST_ARGS' "not postgres"
        tests, env = [*module.pytest_args, *every_test, *module.tests], module_environment(module)
        baseline, result.baseline_s = run_tests(copy_src, tests, module.mutant_seconds * 5, workdir, env)
        if baseline != "passed":
            log = (workdir / "pytest.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"{module.name}: the covering tests {baseline} without any mutant:\n{log}")
        per_mutant = min(module.mutant_seconds, max(10.0, 4 * result.baseline_s))
        ordered = {target.path: _tests_in_order(tests, target.tests_first) for target in module.files}
        started = time.perf_counter()
        for mutant in module_mutants(module):
            if match and not any(text in mutant.id for text in match):
                continue
            result.mutants += 1
            if is_equivalent(mutant, equivalents, module.name):
                result.equivalent += 1
                continue
            if time.perf_counter() - started > module.module_seconds:
                result.not_run += 1
                continue
            target = copy_src / "plateguard" / mutant.file
            original, stamp = target.read_bytes(), target.stat().st_mtime
            try:
                # A modification time no compiled file matches: the mutant is always compiled afresh
                # (and never cached); the original's own time is put back with it, so its cache is used.
                target.write_bytes(mutant.apply(original))
                os.utime(target, (stamp + 7, stamp + 7))
                outcome, took = run_tests(copy_src, ordered[mutant.file], per_mutant, workdir, env)
            finally:
                target.write_bytes(original)
                os.utime(target, (stamp, stamp))
            print(f"{outcome:>7} {took:5.1f}s {mutant.id}", file=sys.stderr, flush=True)
            if outcome == "passed":
                result.survivors.append(mutant.id)
            else:
                result.killed += 1
                result.timed_out += outcome == "timeout"
        result.seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


# ---- report ---------------------------------------------------------------------------------------


def print_report(results: list[Result]) -> None:
    print(
        f"{'module':<16}{'mutants':>8}{'equiv':>7}{'killed':>8}{'survived':>9}{'timeout':>8}"
        f"{'not run':>8}{'score %':>9}{'base s':>8}{'run s':>8}"
    )
    for r in results:
        print(
            f"{r.module:<16}{r.mutants:>8}{r.equivalent:>7}{r.killed:>8}{len(r.survivors):>9}"
            f"{r.timed_out:>8}{r.not_run:>8}{r.score:>9.1f}{r.baseline_s:>8.1f}{r.seconds:>8.1f}"
        )
    for r in results:
        for survivor in r.survivors:
            print(f"SURVIVED {survivor}")
    print(
        json.dumps(
            {
                r.module: {
                    "score": round(r.score, 1),
                    "mutants": r.mutants,
                    "equivalent": r.equivalent,
                    "killed": r.killed,
                    "survived": len(r.survivors),
                    "not_run": r.not_run,
                    "seconds": round(r.seconds, 1),
                }
                for r in results
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--module", action="append", help="only this module (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--module-seconds", type=float, help="override every module's time bound")
    parser.add_argument(
        "--match", action="append", default=[], help="only mutants whose id contains this text (repeatable)"
    )
    args = parser.parse_args()
    modules = [m for m in load_modules() if not args.module or m.name in args.module]
    if args.module_seconds:
        modules = [dataclasses.replace(m, module_seconds=args.module_seconds) for m in modules]
    if not modules:
        raise SystemExit(f"no such module; choose from {[m.name for m in load_modules()]}")
    equivalents = load_equivalents()
    if args.list:
        for module in modules:
            for mutant in module_mutants(module):
                flag = " (equivalent)" if is_equivalent(mutant, equivalents, module.name) else ""
                print(f"{module.name}: {mutant.id}{flag}")
        return
    POSTGRES_URL.extend(filter(None, [os.environ.get(POSTGRES_ENV)]))
    for name in (POSTGRES_ENV, "CI"):  # SQLite only; a missing PostgreSQL is no failure
        os.environ.pop(name, None)
    os.chdir(REPO)
    warm_up(sorted({test for module in modules for test in module.tests}))
    copy_root = Path(tempfile.mkdtemp(prefix="mutation-src-"))
    try:
        shutil.copytree(PACKAGE, copy_root / "plateguard", ignore=shutil.ignore_patterns("__pycache__"))
        compileall.compile_dir(copy_root, quiet=1)
        check_copy_is_used(copy_root, Path(tempfile.mkdtemp(prefix="mutation-check-")))
        results = [run_module(module, copy_root, equivalents, args.match) for module in modules]
    finally:
        shutil.rmtree(copy_root, ignore_errors=True)
    print_report(results)


if __name__ == "__main__":
    main()
