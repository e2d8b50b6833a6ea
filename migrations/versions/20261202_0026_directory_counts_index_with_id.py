"""The directory counts' index also holds the workstation id (the "free now" count probes each available
workstation's holds), so that PostgreSQL reads the counts from the index alone, as before the holds

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 03:06:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_workstations_center_status_cross', table_name='workstations')
    op.create_index('ix_workstations_center_status_cross', 'workstations',
                    ['center_id', 'status', 'cross_province', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_workstations_center_status_cross', table_name='workstations')
    op.create_index('ix_workstations_center_status_cross', 'workstations', ['center_id', 'status', 'cross_province'],
                    unique=False)
