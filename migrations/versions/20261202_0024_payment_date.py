"""Committee members: the day the expert's fee was paid (paid_on), beside when it was recorded (paid_at)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 02:25:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch copy of a table that others refer to). Payments recorded before it keep no
    # date of their own: the pages show the day they were recorded.
    op.add_column('committee_members', sa.Column('paid_on', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('committee_members', 'paid_on')
