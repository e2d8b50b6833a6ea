"""indexes for the directory counts and the section list: workstations (center, status, cross-province) covers the directory's per-center
counts, (status, cross-province) serves its status filters; sections (created_at) serves the section list's default order

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 18:40:48.292166

"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_sections_created_at', 'sections', ['created_at'], unique=False)
    op.create_index('ix_workstations_center_status_cross', 'workstations', ['center_id', 'status', 'cross_province'],
                    unique=False)
    op.create_index('ix_workstations_status_cross', 'workstations', ['status', 'cross_province'], unique=False)
    op.drop_index('ix_workstations_center_status', table_name='workstations')


def downgrade():
    op.create_index('ix_workstations_center_status', 'workstations', ['center_id', 'status'], unique=False)
    op.drop_index('ix_workstations_status_cross', table_name='workstations')
    op.drop_index('ix_workstations_center_status_cross', table_name='workstations')
    op.drop_index('ix_sections_created_at', table_name='sections')
