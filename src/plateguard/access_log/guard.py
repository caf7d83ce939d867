"""Refuse any query on ALPR data made outside an audited scope.

A SELECT that touches a table in PROTECTED_TABLES raises
``AccessNotRecorded`` unless it runs inside ``alpr_scope`` (opened by ``audited_access`` or, for the
system's own housekeeping, by ``system_scope``, whose every use is listed in docs/access-log.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import find_tables

from plateguard.errors import PlateguardError

SCOPE_KEY = "plateguard_alpr_scope"
# Tables holding ALPR data. A domain that adds one adds its name here.
PROTECTED_TABLES = frozenset({"plate_read", "stored_image", "hotlist_entry", "alert"})


class AccessNotRecorded(PlateguardError):
    code = "access_not_recorded"
    http_status = 500


@contextmanager
def alpr_scope(session: Session, reason: str) -> Iterator[None]:
    previous = session.info.get(SCOPE_KEY)
    session.info[SCOPE_KEY] = reason
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(SCOPE_KEY, None)
        else:
            session.info[SCOPE_KEY] = previous


def system_scope(session: Session, task: str) -> AbstractContextManager[None]:
    """For the system's own work on ALPR data (ingest de-duplication, matching, retention, statistics)."""
    return alpr_scope(session, f"system:{task}")


def _tables_in(state: ORMExecuteState) -> set[str]:
    """Every table the statement names, subqueries included (a walk of the statement, no compiling)."""
    names = {mapper.local_table.name for mapper in state.all_mappers if hasattr(mapper.local_table, "name")}
    statement = state.statement
    if isinstance(statement, Select):
        names |= {table.name for table in find_tables(statement, include_joins=True, include_aliases=True)}
    return names


@event.listens_for(Session, "do_orm_execute")
def _refuse_unrecorded_reads(state: ORMExecuteState) -> None:
    if not state.is_select or state.session.info.get(SCOPE_KEY):
        return
    touched = _tables_in(state) & PROTECTED_TABLES
    if touched:
        raise AccessNotRecorded(
            f"query on {', '.join(sorted(touched))} outside an audited access; use access_log.audited_access"
        )
