"""The mutation operators of bench/mutation.py: one small change to a module's source at a time.

Each mutant replaces one span of the source (found from the AST, spliced into the original text, so
comments and layout stay) and is named stably by file, line, operator and ``original -> mutated``.
Skipped: docstrings, type annotations, f-strings, prose strings (those holding a space) and lines marked
``# pragma: no mutate``.
"""

from __future__ import annotations

import ast
import copy
import fnmatch
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.BitXor: ast.BitOr,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
DELETABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.Raise, ast.Continue, ast.Break)
SHORT = 70


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the package root, e.g. "access_log/chain.py"
    line: int
    column: int  # of the changed node, so two alike changes on one line have their own ids
    operator: str
    original: str
    mutated: str
    start: int  # byte offsets of the replaced span
    end: int
    replacement: str

    @property
    def id(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where} {self.operator}: {_short(self.original)} -> {_short(self.mutated)}"

    def apply(self, source: bytes) -> bytes:
        return source[: self.start] + self.replacement.encode() + source[self.end :]


@dataclass(frozen=True)
class Extras:
    """Module-specific operators from the configuration.

    ``swaps``: a dotted name (glob allowed, ``Permission.*``) -> names to put in its place (widen or
    change a permission). ``additions``: a glob that every element of a literal set/list/tuple matches ->
    elements to add to it, one at a time (give a role a permission it must not have).
    """

    swaps: Mapping[str, list[str]] = field(default_factory=dict)
    additions: Mapping[str, list[str]] = field(default_factory=dict)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, f-strings and everything inside them."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
            roots.append(first)
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            roots.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            roots.append(node.returns)
        if isinstance(node, ast.JoinedStr | ast.ImportFrom | ast.Import):
            roots.append(node)
    return {id(inner) for root in roots for inner in ast.walk(root)}


Change = tuple[
    str, str, str | None, str
]  # operator, the node's new text, shown original (None: the node), shown mutated
Operator = Callable[[ast.AST, Extras], Iterator[Change]]


def _expr(node: ast.expr) -> str:
    return ast.unparse(node)


def _compare(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            changed = copy.deepcopy(node)
            changed.ops[index] = COMPARE_SWAP[type(op)]()
            text = _expr(changed)
            yield "compare", text, None, text


def _boolean(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.BoolOp):
        changed = copy.deepcopy(node)
        changed.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        text = _expr(changed)
        yield "and/or", text, None, text
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        text = _expr(node.operand)
        yield "drop not", text, None, text


def _arithmetic(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAP:
        changed = copy.deepcopy(node)
        changed.op = BINOP_SWAP[type(node.op)]()
        text = _expr(changed)
        yield "arithmetic", text, None, text


def _constant(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if not isinstance(node, ast.Constant):
        return
    value = node.value
    if isinstance(value, bool):
        changed = repr(not value)
        yield "boolean", changed, None, changed
    elif isinstance(value, int | float):
        changed = repr(value + 1 if isinstance(value, int) else (value * 2 if value else 1.0))
        yield "number", changed, None, changed
    elif isinstance(value, str) and " " not in value:
        changed = repr("mutated" if value == "" else "")
        yield "string", changed, None, changed


def _collection(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.Set) or (
        isinstance(node, ast.List | ast.Tuple) and isinstance(node.ctx, ast.Load)
    ):
        for index in range(len(node.elts)):
            changed = copy.deepcopy(node)
            del changed.elts[index]
            text = "set()" if isinstance(node, ast.Set) and not changed.elts else _expr(changed)
            yield "drop element", text, ast.unparse(node.elts[index]), "(dropped)"
        elements = [ast.unparse(e) for e in node.elts]
        for pattern, candidates in extras.additions.items():
            if elements and all(fnmatch.fnmatchcase(e, pattern) for e in elements):
                for extra in candidates:
                    if extra not in elements:
                        changed = copy.deepcopy(node)
                        changed.elts.append(ast.parse(extra, mode="eval").body)
                        yield "add element", _expr(changed), "", extra
    elif isinstance(node, ast.Dict):
        for index, key in enumerate(node.keys):
            if key is not None:
                smaller = copy.deepcopy(node)
                del smaller.keys[index], smaller.values[index]
                yield "drop entry", _expr(smaller), ast.unparse(key), "(dropped)"


def _call(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.Call):
        for index, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                changed = copy.deepcopy(node)
                del changed.keywords[index]
                yield "drop argument", _expr(changed), f"{keyword.arg}=", "(dropped)"


def _name(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
        text = ast.unparse(node)
        for pattern, replacements in extras.swaps.items():
            if fnmatch.fnmatchcase(text, pattern):
                for replacement in replacements:
                    if replacement != text:
                        yield "swap", replacement, None, replacement


def _statement(node: ast.AST, extras: Extras) -> Iterator[Change]:
    if isinstance(node, ast.AugAssign):
        text = f"{ast.unparse(node.target)} = {ast.unparse(node.value)}"
        yield "augmented to plain", text, None, text
    if isinstance(node, DELETABLE):
        yield "drop statement", "pass", None, "pass"


OPERATORS: tuple[Operator, ...] = (
    _compare,
    _boolean,
    _arithmetic,
    _constant,
    _collection,
    _call,
    _name,
    _statement,
)


def mutants(
    file: str, source: bytes, extras: Extras | None = None, skip: frozenset[str] = frozenset()
) -> list[Mutant]:
    """Every mutant of one module, in source order; ``skip`` names operators not to apply."""
    extras = extras or Extras()
    tree = ast.parse(source)
    skipped = _skipped_nodes(tree)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    found: list[Mutant] = []
    for node in ast.walk(tree):
        lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if id(node) in skipped or lineno is None or end_lineno is None:
            continue
        if b"pragma: no mutate" in lines[lineno - 1]:
            continue
        col_offset: int = getattr(node, "col_offset")  # noqa: B009 (ast.AST declares no positions)
        start = starts[lineno - 1] + col_offset
        end = starts[end_lineno - 1] + (getattr(node, "end_col_offset", None) or 0)
        original = source[start:end].decode()
        for operator in OPERATORS:
            for name, text, before, after in operator(node, extras):
                if name in skip:
                    continue
                # An expression goes back in parentheses, so it binds as the node it replaces did.
                replacement = f"({text})" if isinstance(node, ast.expr) else text
                shown = original if before is None else before
                found.append(Mutant(file, lineno, col_offset, name, shown, after, start, end, replacement))
    found.sort(key=lambda m: (m.start, m.end, m.operator, m.replacement))
    return _compiling(found, source)


def _compiling(found: list[Mutant], source: bytes) -> list[Mutant]:
    """Drop mutants that do not compile (a splice the grammar does not allow) or change nothing."""
    kept, seen = [], {source}
    for mutant in found:
        changed = mutant.apply(source)
        if changed in seen:  # no change, or the same change as a mutant already kept
            continue
        seen.add(changed)
        try:
            if ast.dump(ast.parse(changed)) == ast.dump(ast.parse(source)):
                continue
        except SyntaxError:
            continue
        kept.append(mutant)
    return kept
