"""Inbound work (跨省副场): a Jilin center registers a seat request received from another province's main venue

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 07:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no batch copy of tables others refer to); every existing row is in-province or outbound.
    # The host center of another province's project (inbound); indexed, it scopes the host's staff. SQLite adds
    # the column with its (named) foreign key in place, without copying the table (as migration 0015 does).
    fk = 'fk_projects_host_center_id_trading_centers'
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('projects', sa.Column('host_center_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk, 'projects', 'trading_centers', ['host_center_id'], ['id'])
    else:
        op.execute(f"ALTER TABLE projects ADD COLUMN host_center_id INTEGER CONSTRAINT {fk} "
                   "REFERENCES trading_centers (id)")
    op.create_index(op.f('ix_projects_host_center_id'), 'projects', ['host_center_id'], unique=False)
    op.add_column('seat_requests', sa.Column('inbound', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('seat_requests', sa.Column('partner_contact', sa.String(length=200), nullable=True))
    op.add_column('seat_requests', sa.Column('partner_reference', sa.String(length=60), nullable=True))


def downgrade():
    op.drop_column('seat_requests', 'partner_reference')
    op.drop_column('seat_requests', 'partner_contact')
    op.drop_column('seat_requests', 'inbound')
    op.drop_index(op.f('ix_projects_host_center_id'), table_name='projects')
    with op.batch_alter_table('projects') as batch:
        batch.drop_column('host_center_id')
