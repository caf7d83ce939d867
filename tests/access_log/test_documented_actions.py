"""Every kind of access record the code writes is explained in the auditors' list (docs/access-log.md):
an auditor who meets an action there can look it up, and a new action cannot land undocumented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Files that hand on an action their callers named (the callers' literals are checked where they are).
PASSED_THROUGH = {
    "access_log/service.py",
    "ingest/dead_letters.py",
    "reads/search/service.py",
    "sharing/service.py",
}
FILE_TYPES = {"html", "csv", "json", "jsonl", "pdf", "id"}  # templates, files, a column ("audit.id")
NOT_ACTIONS = {"region.code", "region.score"}  # paths into a camera vendor's payload (ingest/vendors.py)


def module_strings(tree: ast.Module) -> dict[str, str]:
    """Names bound to a string at a module's top level (``CARRIED = "..."``, or unpacked from a tuple)."""
    names: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                pairs = list(zip(target.elts, node.value.elts, strict=True))
            else:
                pairs = [(target, node.value)]
            for name, value in pairs:
                if (
                    isinstance(name, ast.Name)
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    names[name.id] = value.value
    return names


def written_actions() -> dict[str, str]:
    """Each string in an ``action=`` argument anywhere in the package, written there or as a module's
    named constant, with the file it is in."""
    found: dict[str, str] = {}
    package = REPO / "src" / "plateguard"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                literals = [
                    c.value
                    for c in ast.walk(keyword.value)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                ] + [
                    constants[c.id]
                    for c in ast.walk(keyword.value)
                    if isinstance(c, ast.Name) and c.id in constants
                ]
                relative = path.relative_to(package).as_posix()
                assert literals or relative in PASSED_THROUGH, (
                    f"{relative}: action={ast.unparse(keyword.value)}"
                )
                found.update({literal: relative for literal in literals})
    return found


def action_like_literals(prefixes: set[str]) -> dict[str, str]:
    """Literals shaped like an action with a known first part ("dead_letters.replayed"), wherever they
    are passed: some reach the log through a helper's positional argument. File names are not actions."""
    found: dict[str, str] = {}
    package = REPO / "src" / "plateguard"
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                first, _, last = node.value.partition(".")
                shaped = re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", node.value) is not None
                if shaped and first in prefixes and last not in FILE_TYPES and node.value not in NOT_ACTIONS:
                    found[node.value] = path.relative_to(package).as_posix()
    return found


def test_every_action_written_is_in_the_auditors_list() -> None:
    documented = (REPO / "docs" / "access-log.md").read_text(encoding="utf-8")
    actions = written_actions()
    modules = {path.stem for path in (REPO / "src" / "plateguard").rglob("*.py")}
    actions |= action_like_literals({action.partition(".")[0] for action in actions} | modules)
    expected = {
        "login.failure",
        "account.unlock",
        "dead_letters.replayed",
        "reads.search",
        "access_log.carried",
    }
    assert expected <= set(actions)
    missing = {action: path for action, path in actions.items() if f"`{action}`" not in documented}
    assert missing == {}
