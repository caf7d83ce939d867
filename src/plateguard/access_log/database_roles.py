"""PostgreSQL: a separate, unprivileged role for the running application.

The schema is owned by the role that runs migrations (``plateguard db upgrade``). The application should
connect as another role, set up by ``plateguard db app-role NAME``: it may read and write what the
application needs, but it may not UPDATE or TRUNCATE access records (nor DELETE one above the retention
purge's anchor, which the trigger refuses), and, being neither owner nor superuser, it cannot disable the
append-only triggers or set ``session_replication_role``. The ALPR tables answer it only under the
database's own grant (row-level security, migration 0017 and ``row_security.py``): every opening goes
through ``plateguard_open_alpr`` and its line in the server log. It gets no rights on the monthly
partitions of ``plate_read`` (reached through ``plate_read`` only, where the policies apply) nor on the
grant's secret; new months are made for it by the owner's function.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from plateguard.errors import ConfigurationError, InvalidInput

ROLE_NAME = re.compile(r"^(?!pg_)[a-z_][a-z0-9_]{0,62}$")
# DELETE of access records stays granted for the retention purge: the trigger lets it through only at or
# below a purge anchor, and the application cannot write an anchor ``audit verify`` accepts without the
# checkpoint key. Anchors may only be added.
REVOKED = {"access_record": "UPDATE, TRUNCATE", "access_log_anchor": "UPDATE, DELETE, TRUNCATE"}


def grant_application_role(engine: Engine, role: str) -> list[str]:
    """Create (if needed) and grant the application role; returns the statements run."""
    if not ROLE_NAME.fullmatch(role):
        raise InvalidInput("a role name is lower-case letters, digits and '_'", field="role")
    if engine.dialect.name != "postgresql":
        raise ConfigurationError("database roles exist on PostgreSQL only; SQLite relies on its triggers")
    statements = []
    with engine.begin() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            statements.append(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS")
        statements += [
            f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
        ]
        statements += [f"REVOKE {rights} ON {table} FROM {role}" for table, rights in REVOKED.items()]
        statements += [f"REVOKE ALL ON {table} FROM {role}" for table in _unreachable(connection)]
        statements.append(f"GRANT EXECUTE ON FUNCTION plateguard_create_read_partition(date) TO {role}")
        for statement in statements:
            connection.execute(text(statement))
    return statements


def _unreachable(connection: Connection) -> list[str]:
    """Tables the application role must not name directly: the months of plate_read, the grant's secret."""
    months = connection.execute(
        text(
            "SELECT quote_ident(c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass('plate_read') ORDER BY c.relname"
        )
    ).scalars()
    return [*months, "alpr_grant_key"]
