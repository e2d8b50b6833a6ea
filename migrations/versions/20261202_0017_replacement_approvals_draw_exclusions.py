"""Evaluations: replacement approvals (a third replacement of a seat needs a supervisor), every excluded expert of
a draw with the reason, and the calendar version of the after-evaluation due dates

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

THIRD = "replacement_round IS NULL OR replacement_round <= 2 OR approval_id IS NOT NULL"


def upgrade():
    op.create_table(
        'replacement_approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('evaluation_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('replacement_round', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('conflict', 'absent', 'declined', 'other', name='approval_reason',
                                  native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decision_note', sa.String(length=300), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'approved', 'refused', 'used')",
                           name=op.f('ck_replacement_approvals_status_known')),
        sa.CheckConstraint('replacement_round > 2', name=op.f('ck_replacement_approvals_beyond_the_free_ones')),
        sa.CheckConstraint("status = 'pending' OR (decided_at IS NOT NULL AND decided_by_id IS NOT NULL)",
                           name=op.f('ck_replacement_approvals_decided_by_someone')),
        sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], ondelete='CASCADE',
                                name=op.f('fk_replacement_approvals_evaluation_id_evaluations')),
        sa.ForeignKeyConstraint(['member_id'], ['committee_members.id'], ondelete='CASCADE',
                                name=op.f('fk_replacement_approvals_member_id_committee_members')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_replacement_approvals_requested_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_replacement_approvals_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_replacement_approvals')),
    )
    op.create_index(op.f('ix_replacement_approvals_evaluation_id'), 'replacement_approvals', ['evaluation_id'])
    op.create_index('uq_replacement_approvals_open', 'replacement_approvals', ['member_id'], unique=True,
                    sqlite_where=sa.text("status IN ('pending', 'approved')"),
                    postgresql_where=sa.text("status IN ('pending', 'approved')"))
    # ADD COLUMN (SQLite and PostgreSQL) rather than a batch copy of expert_draws, which members refer to.
    op.add_column('expert_draws', sa.Column('excluded_ids', sa.Text(), nullable=True))
    op.add_column('expert_draws', sa.Column('replacement_round', sa.Integer(), nullable=True))
    # The approval used (no foreign key: replacement_approvals refers to members, which refer to draws).
    op.add_column('expert_draws', sa.Column('approval_id', sa.Integer(), nullable=True))
    op.create_index('uq_expert_draws_approval', 'expert_draws', ['approval_id'], unique=True)
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(op.f('ck_expert_draws_third_replacement_approved'), 'expert_draws', THIRD)
    else:
        # SQLite cannot add a CHECK to an existing table: the same rule as triggers.
        for event in ('INSERT', 'UPDATE'):
            op.execute(f"""
                CREATE TRIGGER expert_draws_third_replacement_approved_{event.lower()}
                BEFORE {event} ON expert_draws
                WHEN NOT (NEW.{THIRD.replace(' OR ', ' OR NEW.')})
                BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: third_replacement_approved'); END
            """)
    op.add_column('evaluations', sa.Column('due_calendar_version', sa.String(length=12), nullable=True))


def downgrade():
    op.drop_column('evaluations', 'due_calendar_version')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_expert_draws_third_replacement_approved'), 'expert_draws', type_='check')
    else:
        for event in ('insert', 'update'):
            op.execute(f"DROP TRIGGER expert_draws_third_replacement_approved_{event}")
    op.drop_index('uq_expert_draws_approval', table_name='expert_draws')
    with op.batch_alter_table('expert_draws') as batch:
        batch.drop_column('approval_id')
        batch.drop_column('replacement_round')
        batch.drop_column('excluded_ids')
    op.drop_index('uq_replacement_approvals_open', table_name='replacement_approvals')
    op.drop_index(op.f('ix_replacement_approvals_evaluation_id'), table_name='replacement_approvals')
    op.drop_table('replacement_approvals')
