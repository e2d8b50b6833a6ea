"""Sections: 依法必须招标 (mandatory_tender, default yes); the scope rule's case 3 is "原则上应采用" like the others

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 21:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # ALTER TABLE ... ADD COLUMN with a constant default (SQLite and PostgreSQL) rather than a batch copy of the
    # sections table, which bookings, evaluations and reports refer to. Every section registered so far was
    # taken as 依法必须招标: that is what the rule assumed before the field existed.
    op.add_column('sections', sa.Column('mandatory_tender', sa.Boolean(), server_default=sa.true(), nullable=False))
    # Case 3 of 一(一) (special expert needs, local shortage) was stored as 'should' (宜采用); the notice puts all
    # three cases under 原则上应采用, which is 'must'. The value 'should' stays allowed by the column's CHECK.
    op.execute("UPDATE sections SET remote_level = 'must' WHERE remote_level = 'should'")


def downgrade():
    # The 'should' rows are not told apart any more: they stay 'must' (a stricter reading, never a looser one).
    op.drop_column('sections', 'mandatory_tender')
