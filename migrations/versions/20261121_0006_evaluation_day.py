"""evaluation day: committees, venues, draws, members (sign-in, signatures, fees), duties, incidents, clues,
hand-over with attachments; expert fee standards of the trading centers as figures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 15:27:35.656264

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('main_center_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committee_size', sa.Integer(), nullable=False),
    sa.Column('tenderee_reps', sa.Integer(), nullable=False),
    sa.Column('bidders', sa.Text(), nullable=False),
    sa.Column('supervising_department', sa.String(length=200), nullable=True),
    sa.Column('avoid_months', sa.Integer(), nullable=False),
    sa.Column('fixed_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('winner_determined_on', sa.Date(), nullable=True),
    sa.Column('winner_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('payment_due', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('committee_size >= 5 AND committee_size % 2 = 1', name=op.f('ck_evaluations_committee_odd_5_or_more')),
    sa.CheckConstraint('duration_minutes > 0 AND duration_minutes <= 720', name=op.f('ck_evaluations_duration_in_range')),
    sa.CheckConstraint('tenderee_reps >= 0 AND (committee_size - tenderee_reps) * 3 >= committee_size * 2', name=op.f('ck_evaluations_experts_two_thirds')),
    sa.CheckConstraint('winner_determined_on IS NULL OR ended_at IS NOT NULL', name=op.f('ck_evaluations_winner_after_end')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_evaluations_ended_by_id_users')),
    sa.ForeignKeyConstraint(['fixed_by_id'], ['users.id'], name=op.f('fk_evaluations_fixed_by_id_users')),
    sa.ForeignKeyConstraint(['main_center_id'], ['trading_centers.id'], name=op.f('fk_evaluations_main_center_id_trading_centers')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_evaluations_section_id_sections'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['winner_recorded_by_id'], ['users.id'], name=op.f('fk_evaluations_winner_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('section_id', name=op.f('uq_evaluations_section_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_evaluation_date'), ['evaluation_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_main_center_id'), ['main_center_id'], unique=False)

    op.create_table('evaluation_venues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('seat_request_id', sa.Integer(), nullable=True),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('experts_needed', sa.Integer(), nullable=False),
    sa.Column('handover_due', sa.Date(), nullable=True),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handed_over_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_note', sa.String(length=500), nullable=True),
    sa.CheckConstraint('experts_needed >= 0', name=op.f('ck_evaluation_venues_experts_not_negative')),
    sa.CheckConstraint('is_main OR seat_request_id IS NOT NULL', name=op.f('ck_evaluation_venues_guest_has_request')),
    sa.CheckConstraint('received_at IS NULL OR handed_over_at IS NOT NULL', name=op.f('ck_evaluation_venues_received_after_handed')),
    sa.ForeignKeyConstraint(['center_id'], ['trading_centers.id'], name=op.f('fk_evaluation_venues_center_id_trading_centers')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_venues_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handed_over_by_id'], ['users.id'], name=op.f('fk_evaluation_venues_handed_over_by_id_users')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_evaluation_venues_received_by_id_users')),
    sa.ForeignKeyConstraint(['seat_request_id'], ['seat_requests.id'], name=op.f('fk_evaluation_venues_seat_request_id_seat_requests'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_venues')),
    sa.UniqueConstraint('evaluation_id', 'center_id', name=op.f('uq_evaluation_venues_evaluation_id_center_id')),
    sa.UniqueConstraint('seat_request_id', name=op.f('uq_evaluation_venues_seat_request_id'))
    )
    with op.batch_alter_table('evaluation_venues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_venues_center_id'), ['center_id'], unique=False)
        batch_op.create_index('uq_evaluation_venues_main', ['evaluation_id'], unique=True, sqlite_where=sa.text('is_main'), postgresql_where=sa.text('is_main'))

    op.create_table('evaluation_clues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_to', sa.String(length=200), nullable=True),
    sa.Column('report_note', sa.String(length=500), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_clues_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_evaluation_clues_filed_by_id_users')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_evaluation_clues_reported_by_id_users')),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_evaluation_clues_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_clues'))
    )
    with op.batch_alter_table('evaluation_clues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_clues_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_duties',
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=20), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_evaluation_duties_done_by_id_users')),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_evaluation_duties_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('venue_id', 'item', name=op.f('pk_evaluation_duties'))
    )
    op.create_table('evaluation_handover_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('handed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('witness', 'assessment', 'av')", name=op.f('ck_evaluation_handover_items_kind_known')),
    sa.CheckConstraint("mode <> 'physical' OR reference IS NOT NULL", name=op.f('ck_evaluation_handover_items_physical_has_reference')),
    sa.CheckConstraint("mode IN ('file', 'physical')", name=op.f('ck_evaluation_handover_items_mode_known')),
    sa.ForeignKeyConstraint(['handed_by_id'], ['users.id'], name=op.f('fk_evaluation_handover_items_handed_by_id_users')),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_evaluation_handover_items_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_handover_items')),
    sa.UniqueConstraint('venue_id', 'kind', name=op.f('uq_evaluation_handover_items_venue_id_kind'))
    )
    op.create_table('evaluation_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('effect', sa.String(length=500), nullable=False),
    sa.Column('handling', sa.String(length=500), nullable=True),
    sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('power', 'network', 'device', 'workstation', 'system', 'other')", name=op.f('ck_evaluation_incidents_kind_known')),
    sa.CheckConstraint('resumed_at IS NULL OR resumed_at >= occurred_at', name=op.f('ck_evaluation_incidents_resumed_after')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_incidents_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_evaluation_incidents_reported_by_id_users')),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_evaluation_incidents_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_incidents'))
    )
    with op.batch_alter_table('evaluation_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_incidents_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('evaluation_venue_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('specialty_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 1', name=op.f('ck_evaluation_venue_needs_count_positive')),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialties.id'], name=op.f('fk_evaluation_venue_needs_specialty_id_specialties'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_evaluation_venue_needs_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_venue_needs')),
    sa.UniqueConstraint('venue_id', 'specialty_id', name=op.f('uq_evaluation_venue_needs_venue_id_specialty_id'))
    )
    op.create_table('expert_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('specialty_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('candidate_ids', sa.Text(), nullable=False),
    sa.Column('chosen_ids', sa.Text(), nullable=False),
    sa.Column('excluded', sa.Text(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaces_member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint('count >= 1', name=op.f('ck_expert_draws_count_positive')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_expert_draws_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialties.id'], name=op.f('fk_expert_draws_specialty_id_specialties'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_expert_draws_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_draws'))
    )
    with op.batch_alter_table('expert_draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_draws_venue_id'), ['venue_id'], unique=False)

    op.create_table('committee_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('specialty_id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('seat_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('replaced_reason', sa.String(length=300), nullable=True),
    sa.Column('replaced_kind', sa.Enum('declined', 'absent', 'conflict', 'other', name='replace_reason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('id_verified', sa.Boolean(), nullable=False),
    sa.Column('photo_checked', sa.Boolean(), nullable=False),
    sa.Column('phone_in_custody', sa.Boolean(), nullable=False),
    sa.Column('no_conflict_declared', sa.Boolean(), nullable=False),
    sa.Column('workstation_id', sa.Integer(), nullable=True),
    sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_in_by_id', sa.Integer(), nullable=True),
    sa.Column('review_form_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fee_yuan', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('meal_yuan', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('fee_basis', sa.String(length=300), nullable=True),
    sa.Column('paid_yuan', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('payment_ref', sa.String(length=100), nullable=True),
    sa.CheckConstraint("status <> 'replaced' OR replaced_reason IS NOT NULL", name=op.f('ck_committee_members_replaced_has_reason')),
    sa.CheckConstraint("status IN ('seated', 'replaced')", name=op.f('ck_committee_members_status_known')),
    sa.CheckConstraint('paid_at IS NULL OR paid_yuan >= 0', name=op.f('ck_committee_members_paid_amount')),
    sa.CheckConstraint('signed_in_at IS NULL OR (id_verified AND photo_checked AND phone_in_custody AND no_conflict_declared AND workstation_id IS NOT NULL)', name=op.f('ck_committee_members_signed_in_checked')),
    sa.ForeignKeyConstraint(['draw_id'], ['expert_draws.id'], name=op.f('fk_committee_members_draw_id_expert_draws'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_committee_members_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_committee_members_expert_id_experts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_committee_members_paid_by_id_users')),
    sa.ForeignKeyConstraint(['signed_in_by_id'], ['users.id'], name=op.f('fk_committee_members_signed_in_by_id_users')),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialties.id'], name=op.f('fk_committee_members_specialty_id_specialties'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['venue_id'], ['evaluation_venues.id'], name=op.f('fk_committee_members_venue_id_evaluation_venues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workstation_id'], ['workstations.id'], name=op.f('fk_committee_members_workstation_id_workstations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_members')),
    sa.UniqueConstraint('evaluation_id', 'expert_id', name=op.f('uq_committee_members_evaluation_id_expert_id')),
    sa.UniqueConstraint('venue_id', 'seat_no', name=op.f('uq_committee_members_venue_id_seat_no'))
    )
    with op.batch_alter_table('committee_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_members_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index('ix_committee_members_expert', ['expert_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_members_venue_id'), ['venue_id'], unique=False)
        batch_op.create_index('uq_committee_members_workstation', ['evaluation_id', 'workstation_id'], unique=True, sqlite_where=sa.text("status = 'seated' AND workstation_id IS NOT NULL"), postgresql_where=sa.text("status = 'seated' AND workstation_id IS NOT NULL"))

    op.create_table('evaluation_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('clue_id', sa.Integer(), nullable=True),
    sa.Column('handover_item_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(clue_id IS NULL) <> (handover_item_id IS NULL)', name=op.f('ck_evaluation_attachments_one_owner')),
    sa.CheckConstraint('size > 0', name=op.f('ck_evaluation_attachments_not_empty')),
    sa.ForeignKeyConstraint(['clue_id'], ['evaluation_clues.id'], name=op.f('fk_evaluation_attachments_clue_id_evaluation_clues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_attachments_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handover_item_id'], ['evaluation_handover_items.id'], name=op.f('fk_evaluation_attachments_handover_item_id_evaluation_handover_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evaluation_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_attachments')),
    sa.UniqueConstraint('key', name=op.f('uq_evaluation_attachments_key'))
    )
    with op.batch_alter_table('evaluation_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_attachments_clue_id'), ['clue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_attachments_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_attachments_handover_item_id'), ['handover_item_id'], unique=False)

    with op.batch_alter_table('trading_centers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expert_fee_base_yuan', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('expert_fee_base_hours', sa.Integer(), server_default='4', nullable=False))
        batch_op.add_column(sa.Column('expert_fee_extra_hour_yuan', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('expert_fee_cap_yuan', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.create_check_constraint(
            'expert_fee_not_negative', 'expert_fee_base_yuan IS NULL OR expert_fee_base_yuan >= 0')
        batch_op.create_check_constraint('expert_fee_hours_range', 'expert_fee_base_hours BETWEEN 1 AND 24')
        batch_op.create_check_constraint(
            'expert_fee_parts_not_negative',
            'COALESCE(expert_fee_extra_hour_yuan, 0) >= 0 AND COALESCE(expert_fee_cap_yuan, 0) >= 0')



def downgrade():
    with op.batch_alter_table('trading_centers', schema=None) as batch_op:
        batch_op.drop_constraint('expert_fee_parts_not_negative', type_='check')
        batch_op.drop_constraint('expert_fee_hours_range', type_='check')
        batch_op.drop_constraint('expert_fee_not_negative', type_='check')
        batch_op.drop_column('expert_fee_cap_yuan')
        batch_op.drop_column('expert_fee_extra_hour_yuan')
        batch_op.drop_column('expert_fee_base_hours')
        batch_op.drop_column('expert_fee_base_yuan')

    with op.batch_alter_table('evaluation_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_attachments_handover_item_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_attachments_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_attachments_clue_id'))

    op.drop_table('evaluation_attachments')
    with op.batch_alter_table('committee_members', schema=None) as batch_op:
        batch_op.drop_index('uq_committee_members_workstation', sqlite_where=sa.text("status = 'seated' AND workstation_id IS NOT NULL"), postgresql_where=sa.text("status = 'seated' AND workstation_id IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_committee_members_venue_id'))
        batch_op.drop_index('ix_committee_members_expert')
        batch_op.drop_index(batch_op.f('ix_committee_members_evaluation_id'))

    op.drop_table('committee_members')
    with op.batch_alter_table('expert_draws', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_draws_venue_id'))

    op.drop_table('expert_draws')
    op.drop_table('evaluation_venue_needs')
    with op.batch_alter_table('evaluation_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_incidents_evaluation_id'))

    op.drop_table('evaluation_incidents')
    op.drop_table('evaluation_handover_items')
    op.drop_table('evaluation_duties')
    with op.batch_alter_table('evaluation_clues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_clues_evaluation_id'))

    op.drop_table('evaluation_clues')
    with op.batch_alter_table('evaluation_venues', schema=None) as batch_op:
        batch_op.drop_index('uq_evaluation_venues_main', sqlite_where=sa.text('is_main'), postgresql_where=sa.text('is_main'))
        batch_op.drop_index(batch_op.f('ix_evaluation_venues_center_id'))

    op.drop_table('evaluation_venues')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_main_center_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_evaluation_date'))

    op.drop_table('evaluations')
