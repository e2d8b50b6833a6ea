"""Joint testing (联调联试): the home-province centers that took part in each step, e.g. the standing secondary
venues (issue 24 items 4 and 5)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 07:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('joint_test_event_centers',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['joint_test_events.id'],
                            name=op.f('fk_joint_test_event_centers_event_id_joint_test_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['center_id'], ['trading_centers.id'],
                            name=op.f('fk_joint_test_event_centers_center_id_trading_centers')),
    sa.PrimaryKeyConstraint('event_id', 'center_id', name=op.f('pk_joint_test_event_centers'))
    )
    op.create_index(op.f('ix_joint_test_event_centers_center_id'), 'joint_test_event_centers', ['center_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_joint_test_event_centers_center_id'), table_name='joint_test_event_centers')
    op.drop_table('joint_test_event_centers')
