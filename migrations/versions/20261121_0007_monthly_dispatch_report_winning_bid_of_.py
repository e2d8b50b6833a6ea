"""monthly dispatch report, winning bid of a section

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 16:28:21.757671

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', name='monthly_report_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('all_projects', sa.Integer(), nullable=True),
    sa.Column('all_sections', sa.Integer(), nullable=True),
    sa.Column('all_budget_wan', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('all_winning_wan', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('submissions', sa.Integer(), nullable=False),
    sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'returned' OR (return_comment IS NOT NULL AND return_comment <> '')", name=op.f('ck_monthly_reports_returned_has_comment')),
    sa.CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND submissions >= 1)", name=op.f('ck_monthly_reports_submitted_has_time')),
    sa.CheckConstraint('COALESCE(all_projects, 0) >= 0 AND COALESCE(all_sections, 0) >= 0 AND COALESCE(all_budget_wan, 0) >= 0 AND COALESCE(all_winning_wan, 0) >= 0', name=op.f('ck_monthly_reports_figures_not_negative')),
    sa.CheckConstraint('submissions >= 0', name=op.f('ck_monthly_reports_submissions_not_negative')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_monthly_reports_region_id_regions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_monthly_reports_returned_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_monthly_reports_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reports')),
    sa.UniqueConstraint('region_id', 'month', name='uq_monthly_reports_region_month')
    )
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_reports_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_reports_region_id'), ['region_id'], unique=False)

    op.create_table('monthly_report_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('cell', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('computed', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_monthly_report_corrections_correction_has_reason')),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_monthly_report_corrections_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['monthly_reports.id'], name=op.f('fk_monthly_report_corrections_report_id_monthly_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report_corrections')),
    sa.UniqueConstraint('report_id', 'cell', name='uq_monthly_report_corrections_cell')
    )
    op.create_table('monthly_report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['monthly_reports.id'], name=op.f('fk_monthly_report_versions_report_id_monthly_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_monthly_report_versions_returned_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_monthly_report_versions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report_versions')),
    sa.UniqueConstraint('report_id', 'number', name='uq_monthly_report_versions_number')
    )
    with op.batch_alter_table('monthly_report_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_report_versions_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('winning_bid_wan', sa.Numeric(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column('winning_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('winning_not_negative', 'winning_bid_wan IS NULL OR winning_bid_wan >= 0')



def downgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.drop_constraint('winning_not_negative', type_='check')
        batch_op.drop_column('winning_recorded_at')
        batch_op.drop_column('winning_bid_wan')

    with op.batch_alter_table('monthly_report_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_report_versions_report_id'))

    op.drop_table('monthly_report_versions')
    op.drop_table('monthly_report_corrections')
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_reports_region_id'))
        batch_op.drop_index(batch_op.f('ix_monthly_reports_month'))

    op.drop_table('monthly_reports')
