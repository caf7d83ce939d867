"""Alembic environment: runs on the engine that plateguard hands over (see database.upgrade)."""

from __future__ import annotations

from alembic import context

from plateguard.models import metadata

engine = context.config.attributes["engine"]

# Objects that exist on one dialect only and are not in the models: search indexes (migration 0005) and
# the monthly partitions of plate_read on PostgreSQL (migration 0008) and the secret of its row-level
# security grant (migration 0017); and the foreign key from alert to plate_read, which PostgreSQL cannot
# keep once plate_read is partitioned (migration 0008).
DIALECT_SPECIFIC = (
    "plate_read_fts",
    "ix_plate_read_plate_trgm",
    "plate_read_m",
    "alpr_grant_key",
    "fk_alert_read_id_plate_read",
)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(DIALECT_SPECIFIC)


def include_object(item: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The models' side of the same filter (SQLite reflects foreign keys without their names)."""
    return include_name(name, type_, None)


with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        include_object=include_object,
    )
    context.run_migrations()
