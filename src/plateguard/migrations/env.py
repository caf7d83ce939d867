"""Alembic environment: runs on the engine that plateguard hands over (see database.upgrade)."""

from __future__ import annotations

from alembic import context

from plateguard.models import metadata

engine = context.config.attributes["engine"]

# Search indexes that exist on one dialect only (migration 0005) and are not in the models.
DIALECT_SPECIFIC = ("plate_read_fts", "ix_plate_read_plate_trgm")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(DIALECT_SPECIFIC)


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    context.run_migrations()
