"""change requests (场地变更) of accepted bookings, linked to the original request

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('seat_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', 'withdrawn', name='seat_change_status',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('old_evaluation_date', sa.Date(), nullable=False),
    sa.Column('old_start_time', sa.Time(), nullable=False),
    sa.Column('old_duration_minutes', sa.Integer(), nullable=False),
    sa.Column('old_seats', sa.Integer(), nullable=False),
    sa.Column('evaluation_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seats_requested', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('latest_filing_date', sa.Date(), nullable=True),
    sa.Column('late_agreed', sa.Boolean(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_reason', sa.String(length=500), nullable=True),
    sa.Column('seats_accepted', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('seats_requested >= 1', name=op.f('ck_seat_changes_seats_requested_positive')),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 720', name=op.f('ck_seat_changes_duration_in_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_seat_changes_ends_after_start')),
    sa.CheckConstraint("status = 'pending' OR answered_at IS NOT NULL", name=op.f('ck_seat_changes_answered_has_date')),
    sa.CheckConstraint("status <> 'rejected' OR answer_reason IS NOT NULL", name=op.f('ck_seat_changes_rejected_has_reason')),
    sa.CheckConstraint("status <> 'accepted' OR NOT late OR late_agreed", name=op.f('ck_seat_changes_late_needs_agreement')),
    sa.ForeignKeyConstraint(['request_id'], ['seat_requests.id'], name=op.f('fk_seat_changes_request_id_seat_requests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_seat_changes_requested_by_id_users')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_seat_changes_answered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_changes'))
    )
    op.create_index(op.f('ix_seat_changes_request_id'), 'seat_changes', ['request_id'], unique=False)
    op.create_index('uq_seat_changes_pending', 'seat_changes', ['request_id'], unique=True,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_index('uq_seat_changes_pending', table_name='seat_changes', sqlite_where=sa.text("status = 'pending'"),
                  postgresql_where=sa.text("status = 'pending'"))
    op.drop_index(op.f('ix_seat_changes_request_id'), table_name='seat_changes')
    op.drop_table('seat_changes')
