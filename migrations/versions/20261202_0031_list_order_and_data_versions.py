"""Lists read in their own order, and data versions for what pages keep in memory

- ix_notices_list_order: the public notices pinned first and newest first, so the notice list and the home
  page read a page of rows instead of sorting every public notice.
- data_versions: one row per table of portal.dataversions.VERSIONED_TABLES holding a random token, which a
  trigger on each of those tables replaces on every INSERT, UPDATE or DELETE (row triggers on SQLite, one
  statement trigger per table on PostgreSQL, TRUNCATE included).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 17:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

# As in portal/dataversions.py (a migration does not import the application).
VERSIONED_TABLES = ("workstations", "venues", "trading_centers", "regions", "provinces", "calendar_overrides",
                    "calendar_announced_years", "deadline_settings")

PG_FUNCTION = """
CREATE FUNCTION stamp_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_versions (name, token) VALUES (TG_ARGV[0], (random() * 9e18)::bigint)
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""


def upgrade():
    op.create_index('ix_notices_list_order', 'notices', ['status', 'pinned', 'publish_at', 'id'], unique=False)
    op.create_table('data_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_versions'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        for table in VERSIONED_TABLES:
            op.execute(f"CREATE TRIGGER stamp_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION stamp_data_version('{table}')")
    else:
        for table in VERSIONED_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"CREATE TRIGGER stamp_{table}_{event} AFTER {event.upper()} ON {table} BEGIN "
                           f"INSERT OR REPLACE INTO data_versions (name, token) VALUES ('{table}', random()); END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in VERSIONED_TABLES:
            op.execute(f"DROP TRIGGER stamp_{table} ON {table}")
        op.execute("DROP FUNCTION stamp_data_version()")
    else:
        for table in VERSIONED_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER stamp_{table}_{event}")
    op.drop_table('data_versions')
    op.drop_index('ix_notices_list_order', table_name='notices')
