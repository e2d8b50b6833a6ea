"""The partner API (issue 25): partner systems with the partner centers they speak for, their API keys (hashed,
the HMAC key encrypted), the idempotency answers of their calls, the outbox of events to their callbacks, and
the seat request's link to the system that filed it

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 16:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_systems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('callback_url', sa.String(length=300), nullable=True),
    sa.Column('remote_url', sa.String(length=300), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], name=op.f('fk_partner_systems_account_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_systems')),
    sa.UniqueConstraint('account_id', name=op.f('uq_partner_systems_account_id')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_systems_name'))
    )
    op.create_table('api_idempotency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['partner_systems.id'], name=op.f('fk_api_idempotency_system_id_partner_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency')),
    sa.UniqueConstraint('system_id', 'idempotency_key', name='uq_api_idempotency_system_key')
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users')),
    sa.ForeignKeyConstraint(['system_id'], ['partner_systems.id'], name=op.f('fk_api_keys_system_id_partner_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_api_keys_key_id'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_system_id'), ['system_id'], unique=False)

    op.create_table('outbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'delivered', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['partner_systems.id'], name=op.f('fk_outbox_events_system_id_partner_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_events_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_events_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_events_system_id'), ['system_id'], unique=False)

    op.create_table('partner_system_centers',
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['center_id'], ['trading_centers.id'], name=op.f('fk_partner_system_centers_center_id_trading_centers')),
    sa.ForeignKeyConstraint(['system_id'], ['partner_systems.id'], name=op.f('fk_partner_system_centers_system_id_partner_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('system_id', 'center_id', name=op.f('pk_partner_system_centers'))
    )
    with op.batch_alter_table('partner_system_centers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_system_centers_center_id'), ['center_id'], unique=False)

    # A plain ADD COLUMN with its named foreign key (no batch copy of a table others refer to), as 0026 does.
    fk = 'fk_seat_requests_partner_system_id_partner_systems'
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('seat_requests', sa.Column('partner_system_id', sa.Integer(), nullable=True))
        op.create_foreign_key(fk, 'seat_requests', 'partner_systems', ['partner_system_id'], ['id'])
    else:
        op.execute(f"ALTER TABLE seat_requests ADD COLUMN partner_system_id INTEGER CONSTRAINT {fk} "
                   "REFERENCES partner_systems (id)")
    op.create_index(op.f('ix_seat_requests_partner_system_id'), 'seat_requests', ['partner_system_id'], unique=False)

def downgrade():
    op.drop_index(op.f('ix_seat_requests_partner_system_id'), table_name='seat_requests')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_seat_requests_partner_system_id_partner_systems', 'seat_requests', type_='foreignkey')
        op.drop_column('seat_requests', 'partner_system_id')
    else:
        with op.batch_alter_table('seat_requests') as batch:
            batch.drop_column('partner_system_id')

    with op.batch_alter_table('partner_system_centers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_system_centers_center_id'))

    op.drop_table('partner_system_centers')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_events_system_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_events_request_id'))
        batch_op.drop_index('ix_outbox_events_due')

    op.drop_table('outbox_events')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_system_id'))

    op.drop_table('api_keys')
    op.drop_table('api_idempotency')
    op.drop_table('partner_systems')
