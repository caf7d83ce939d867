"""Many rows in one short statement on PostgreSQL: ``INSERT ... SELECT ... FROM json_to_recordset(:rows)``.

A multi-row ``VALUES`` statement of a 250-read batch holds some 4,500 placeholders; psycopg caches the
parsing of a query only up to 4 KB, so such a statement was parsed again, in Python, on every batch (a
third of ingest's CPU time on PostgreSQL). Arrays (``unnest``) avoid that but psycopg builds array
literals in Python, element by element. Here the rows travel as one JSON document, written by the
standard library's C encoder and parsed by the server; the statement is the same short text for any
number of rows. Values are stored as the multi-row statement stored them: JSON columns hold the same
canonical text (``database.canonical_json``: sorted keys, no spaces), ``None`` in a JSON column is JSON
``null``, floats round-trip exactly (shortest ``repr``), timestamps keep their instant.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Dialect, Table, TextClause, text
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, skip_conflicts_on: str | None = None
) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``) in one statement; with
    ``skip_conflicts_on`` (a unique column), rows whose value is already stored are skipped (``ON CONFLICT
    DO NOTHING``) and the values of that column actually inserted are returned."""
    if not rows:
        return []
    statement = _statement(session.get_bind().dialect, table, tuple(rows[0]), skip_conflicts_on)
    result = session.execute(statement, {"rows": _ENCODER.encode(rows)})
    return list(result.scalars()) if skip_conflicts_on else []


def _plain(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} through json_to_recordset")


# The same text as canonical_json for the JSON columns' values (keys sorted at every depth).
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_plain
)


@cache
def _statement(
    dialect: Dialect, table: Table, names: tuple[str, ...], skip_conflicts_on: str | None
) -> TextClause:
    # Names from the table's own definition, never from a request.
    columns = [table.c[name] for name in names]
    record = ", ".join(f"{column.name} {column.type.compile(dialect)}" for column in columns)
    values = ", ".join(
        f"COALESCE(r.{column.name}, CAST('null' AS json))"
        if isinstance(column.type, JSON) and not column.type.none_as_null
        else f"r.{column.name}"
        for column in columns
    )
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {values} FROM json_to_recordset(CAST(:rows AS json)) AS r({record})"
    )
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({skip_conflicts_on}) DO NOTHING RETURNING {skip_conflicts_on}"
    return text(sql)
