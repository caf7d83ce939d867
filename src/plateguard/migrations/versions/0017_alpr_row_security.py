"""PostgreSQL: row-level security on ALPR tables; reading them takes a grant that only the database can issue

Revision ID: 0017_row_security
Revises: 0016_entry_count
Create Date: 2026-11-29 15:40:00

For a role that does not own the tables (the application role of ``plateguard db app-role``), every
SELECT, UPDATE and DELETE of ``plate_read``, ``plate_read_revision``, ``stored_image``, ``hotlist_entry``
and ``alert`` passes only in a transaction that called ``plateguard_open_alpr(reason)``. That function
writes a line to the server log (who, which session, from where, why), which a rollback cannot take
back, and sets a transaction-local grant: a hash of a secret the role cannot read, the transaction and
the session, so it cannot be forged, carried to another transaction or borrowed from another session.
A read without it fails loudly (insufficient privilege), it does not return nothing. INSERT without
RETURNING needs no grant. The owner (who runs migrations) is not bound, as with any PostgreSQL policy.
Nothing changes on SQLite, which has no roles.
"""

from __future__ import annotations

from alembic import op

revision = "0017_row_security"
down_revision = "0016_entry_count"
branch_labels = None
depends_on = None

ALPR_TABLES = ("plate_read", "plate_read_revision", "stored_image", "hotlist_entry", "alert")
GRANT_SETTING = "plateguard.alpr_grant"

FUNCTIONS = """
CREATE TABLE alpr_grant_key (id integer PRIMARY KEY CHECK (id = 1), secret text NOT NULL);
INSERT INTO alpr_grant_key VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));
REVOKE ALL ON alpr_grant_key FROM PUBLIC;

CREATE FUNCTION plateguard_alpr_token() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
    SELECT encode(sha256(convert_to(
        secret || '|' || txid_current()::text || '|' || pg_backend_pid()::text || '|plateguard-alpr-grant',
        'UTF8')), 'hex')
    FROM alpr_grant_key WHERE id = 1
$$;
REVOKE EXECUTE ON FUNCTION plateguard_alpr_token() FROM PUBLIC;

CREATE FUNCTION plateguard_open_alpr(reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF coalesce(btrim(reason), '') = '' THEN
        RAISE EXCEPTION 'plateguard_open_alpr needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RAISE LOG 'plateguard: ALPR data opened for "%" by % (backend %, client %, application "%")',
        left(reason, 200), session_user, pg_backend_pid(), coalesce(host(inet_client_addr()), 'local'),
        current_setting('application_name');
    PERFORM set_config('{setting}', plateguard_alpr_token(), true);
END
$$;

CREATE FUNCTION plateguard_alpr_granted() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF current_setting('{setting}', true) IS NOT DISTINCT FROM plateguard_alpr_token() THEN
        RETURN true;
    END IF;
    RAISE EXCEPTION 'ALPR data read outside an audited access (Policy 460.3): no plateguard_open_alpr grant in this transaction'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION plateguard_create_read_partition(month date) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF month IS NULL OR date_trunc('month', month)::date <> month THEN
        RAISE EXCEPTION 'a partition starts on the first of a month' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I PARTITION OF plate_read FOR VALUES FROM (%L) TO (%L)',
        'plate_read_m' || to_char(month, 'YYYY_MM'),
        month::text || ' 00:00:00+00', (month + interval '1 month')::date::text || ' 00:00:00+00');
END
$$;
REVOKE EXECUTE ON FUNCTION plateguard_create_read_partition(date) FROM PUBLIC;
"""

# A policy's condition is a sub-select, so PostgreSQL checks the grant once per statement, not per row.
GRANTED = "(SELECT plateguard_alpr_granted())"
POLICIES = {
    "alpr_select": f"FOR SELECT USING ({GRANTED})",
    "alpr_insert": "FOR INSERT WITH CHECK (true)",
    "alpr_update": f"FOR UPDATE USING ({GRANTED}) WITH CHECK (true)",
    "alpr_delete": f"FOR DELETE USING ({GRANTED})",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one()
    op.execute(FUNCTIONS.format(schema=schema, setting=GRANT_SETTING))
    for table in ALPR_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name, rule in POLICIES.items():
            op.execute(f"CREATE POLICY {name} ON {table} {rule}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ALPR_TABLES:
        for name in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for function in (
        "plateguard_create_read_partition(date)",
        "plateguard_alpr_granted()",
        "plateguard_open_alpr(text)",
        "plateguard_alpr_token()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP TABLE IF EXISTS alpr_grant_key")
