"""Indexes for the lists' own order: the public notices pinned first and newest first (ix_notices_list_order),
so the notice list and the home page read a page of rows instead of sorting every public notice

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 17:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notices_list_order', 'notices', ['status', 'pinned', 'publish_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_notices_list_order', table_name='notices')
