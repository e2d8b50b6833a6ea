"""Monthly reports can be approved (审核通过) and reopened: the approved status, who approved and when

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD = sa.Enum('draft', 'submitted', 'returned', name='monthly_report_status', native_enum=False,
              create_constraint=True, length=32)
NEW = sa.Enum('draft', 'submitted', 'returned', 'approved', name='monthly_report_status', native_enum=False,
              create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_monthly_reports_approved_by_id_users'), 'users',
                                    ['approved_by_id'], ['id'])
        # The enum's CHECK constraint is dropped with the old type and created with the new one.
        batch_op.alter_column('status', existing_type=OLD, type_=NEW, existing_nullable=False)
        batch_op.create_check_constraint(
            'approved_has_time', "status <> 'approved' OR (approved_at IS NOT NULL AND submitted_at IS NOT NULL)")
    with op.batch_alter_table('monthly_report_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_monthly_report_versions_approved_by_id_users'), 'users',
                                    ['approved_by_id'], ['id'])


def downgrade():
    # An approved report goes back to submitted (awaiting review), which the older schema knows.
    op.execute("UPDATE monthly_reports SET status = 'submitted' WHERE status = 'approved'")
    with op.batch_alter_table('monthly_report_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_monthly_report_versions_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.drop_constraint('approved_has_time', type_='check')
        batch_op.alter_column('status', existing_type=NEW, type_=OLD, existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_monthly_reports_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
