"""PostgreSQL: take the database's own grant before a statement on ALPR tables (migration 0017).

For a role bound by the row-level security of migration 0017 (the application role), ALPR tables answer
only in a transaction that called ``plateguard_open_alpr(reason)``; the reason is the audited action or
system task open at the time (``guard.current_scope``), or ``write`` for a change made outside one. The
grant is taken once per transaction and reason, just before the first statement that needs it, on the
same connection; a role that owns the tables (or SQLite) is never asked. Whether a connection is bound is
asked once per database connection (``forget`` makes it ask again, for a connection whose role changed).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlalchemy import Connection, Engine, event

from plateguard.access_log.guard import current_scope, protected_tables_named

BOUND = "plateguard_row_security_bound"
GRANTED_FOR = "plateguard_row_security_granted_for"
_PLAIN_INSERT = re.compile(r"^\s*INSERT\b(?!.*\b(?:SELECT|RETURNING)\b)", re.IGNORECASE | re.DOTALL)
_BOUND_QUERY = (
    "SELECT CASE WHEN to_regclass('plate_read') IS NULL THEN NULL ELSE row_security_active('plate_read') END"
)


def bound(connection: Connection) -> bool:
    """Whether the row-level security of ALPR tables applies to this connection's role."""
    known = connection.info.get(BOUND)
    if known is None:
        with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(_BOUND_QUERY)
            known = cursor.fetchone()[0]
        if known is None:
            return False  # no tables yet (before the migrations ran): ask again later
        connection.info[BOUND] = known
    return bool(known)


def forget(connection: Connection) -> None:
    """Ask again whether the connection is bound (after ``SET ROLE``) and drop its grant."""
    connection.info.pop(BOUND, None)
    connection.info.pop(GRANTED_FOR, None)


@functools.lru_cache(maxsize=8192)
def needs_grant(statement: str) -> bool:
    """Every statement naming an ALPR table, except an INSERT that reads nothing back (cached: it runs
    before every statement on PostgreSQL, ingest's included, and the texts repeat)."""
    return bool(protected_tables_named(statement)) and _PLAIN_INSERT.match(statement) is None


@event.listens_for(Engine, "before_cursor_execute")
def _take_grant(
    conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if conn.dialect.name != "postgresql" or not needs_grant(statement):
        return
    reason = current_scope() or "write"
    if conn.info.get(GRANTED_FOR) == reason or not bound(conn):
        return
    with conn.connection.dbapi_connection.cursor() as grant:  # type: ignore[union-attr]
        grant.execute("SELECT plateguard_open_alpr(%s)", (reason,))
    conn.info[GRANTED_FOR] = reason


@event.listens_for(Engine, "begin")
def _new_transaction(conn: Connection) -> None:
    conn.info.pop(GRANTED_FOR, None)


@event.listens_for(Engine, "rollback_savepoint")
def _savepoint_undone(conn: Connection, name: str, context: Any) -> None:
    conn.info.pop(GRANTED_FOR, None)  # a rollback to a savepoint undoes a grant taken after it
