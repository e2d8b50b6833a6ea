"""Seat requests: the calendar version (calendar_version()) their filing deadline was computed with, so that a
change of the calendar recomputes the open requests' deadlines (issue 23 part 3)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # A plain nullable ADD COLUMN (no batch copy of seat_requests, which bookings and evaluations refer to). Rows
    # filed before it have no version: the next calendar change recomputes them like any other.
    op.add_column('seat_requests', sa.Column('deadline_version', sa.String(length=12), nullable=True))


def downgrade():
    op.drop_column('seat_requests', 'deadline_version')
