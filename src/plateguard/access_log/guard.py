"""Refuse any read of ALPR data made outside an audited scope.

Two checks, one rule. The Session hook refuses an ORM or Core SELECT that names a table in
PROTECTED_TABLES; the engine hook (``before_cursor_execute``, on every engine in the process) looks at
the SQL text that actually goes to the database, so ``session.connection().execute(...)``, raw
``text(...)`` statements, the SQLite full-text table and PostgreSQL's monthly partitions are covered too.
A statement reads when it is not a plain INSERT, UPDATE, DELETE or DDL statement: anything that holds
SELECT, RETURNING a row's data, or starts with WITH, SELECT, VALUES, COPY... (see ``_reads``).

Both pass only inside ``alpr_scope``, opened by ``audited_access`` (which writes the access record) or,
for the system's own housekeeping, by ``system_scope``, whose every use is listed in docs/access-log.md.
The scope is a context variable, so it covers every connection used by the code running inside it
(the request's thread, never another request's).
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from plateguard.errors import PlateguardError

# Tables holding ALPR data. A domain that adds one adds its name here (and a pattern below if it has
# satellite tables, as the SQLite full-text index and the PostgreSQL partitions do).
PROTECTED_TABLES = frozenset({"plate_read", "plate_read_revision", "stored_image", "hotlist_entry", "alert"})
_PROTECTED_SQL = re.compile(
    r"(?<!\w)\"?("
    r"plate_read(?:_m\d{4}_\d{2}|_revision|_fts(?:_data|_idx|_content|_docsize|_config)?)?"
    r"|stored_image|hotlist_entry|alert"
    r")\"?(?!\w)",
    re.IGNORECASE,
)
_QUOTED_TEXT = re.compile(r"'(?:[^']|'')*'")
# Statements that change data or schema, or (PRAGMA) describe a table: none returns a row's data unless
# it holds a SELECT or RETURNING.
_WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|PRAGMA)\b", re.IGNORECASE
)
_READ_WORDS = re.compile(r"\b(SELECT|RETURNING)\b", re.IGNORECASE)
_scope: contextvars.ContextVar[str | None] = contextvars.ContextVar("plateguard_alpr_scope", default=None)


class AccessNotRecorded(PlateguardError):
    code = "access_not_recorded"  # an internal error (500, as every PlateguardError unless it says otherwise)


@contextmanager
def alpr_scope(session: Session | None, reason: str) -> Iterator[None]:
    """Open ALPR tables to the code inside. The scope is the running context, not ``session``: it covers
    every session and connection used inside it (``session`` names, at the call site, the work it is for)."""
    del session
    token = _scope.set(reason)
    try:
        yield
    finally:
        _scope.reset(token)


def system_scope(session: Session | None, task: str) -> AbstractContextManager[None]:
    """For the system's own work on ALPR data (ingest de-duplication, matching, retention, statistics)."""
    return alpr_scope(session, f"system:{task}")


def _tables_in(state: ORMExecuteState) -> set[str]:
    """Every table the statement names, in joins, aliases, subqueries and unions (a walk of the statement,
    no compiling)."""
    statement = state.statement
    return {table.name for table in find_tables(statement)} if isinstance(statement, ClauseElement) else set()


@event.listens_for(Session, "do_orm_execute")
def _refuse_unrecorded_reads(state: ORMExecuteState) -> None:
    if not state.is_select or _scope.get():
        return
    touched = _tables_in(state) & PROTECTED_TABLES
    if touched:
        raise AccessNotRecorded(
            f"query on {', '.join(sorted(touched))} outside an audited access; use access_log.audited_access"
        )


@functools.lru_cache(maxsize=8192)
def protected_tables_named(statement: str) -> frozenset[str]:
    """The protected tables a SQL statement names, whether it reads or writes them."""
    bare = _QUOTED_TEXT.sub("''", statement)
    return frozenset(match.group(1).lower() for match in _PROTECTED_SQL.finditer(bare))


@functools.lru_cache(maxsize=8192)
def protected_tables_read(statement: str) -> frozenset[str]:
    """The protected tables a SQL statement reads (empty for writes that read nothing back)."""
    touched = protected_tables_named(statement)
    if not touched or not _reads(_QUOTED_TEXT.sub("''", statement)):
        return frozenset()
    return touched


def current_scope() -> str | None:
    """The reason ALPR tables are open to the code running now (an action or ``system:task``), if any."""
    return _scope.get()


def _reads(statement: str) -> bool:
    if _WRITES.match(statement) is None:
        return True  # SELECT, WITH, VALUES, EXPLAIN, COPY ...: all of them read
    if statement.lstrip()[:6].upper() == "INSERT":
        # An INSERT returns only what it was given (RETURNING its new key); only a SELECT inside it reads.
        return re.search(r"\bSELECT\b", statement, re.IGNORECASE) is not None
    return _READ_WORDS.search(statement) is not None


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_unrecorded_statements(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if _scope.get():
        return
    touched = protected_tables_read(statement)
    if touched:
        raise AccessNotRecorded(
            f"statement on {', '.join(sorted(touched))} outside an audited access; "
            "use access_log.audited_access"
        )
