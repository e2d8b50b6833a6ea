"""The security admin's numbers of the password rule and the login lockout (security_thresholds, one row; none:
the defaults in portal/auth/rules.py)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_thresholds',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('min_password_length', sa.Integer(), nullable=False),
    sa.Column('free_failures', sa.Integer(), nullable=False),
    sa.Column('first_lock_seconds', sa.Integer(), nullable=False),
    sa.Column('max_lock_seconds', sa.Integer(), nullable=False),
    sa.Column('address_free_failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_security_thresholds_single_row')),
    sa.CheckConstraint('min_password_length BETWEEN 8 AND 64', name=op.f('ck_security_thresholds_password_length_range')),
    sa.CheckConstraint('free_failures BETWEEN 3 AND 10', name=op.f('ck_security_thresholds_free_failures_range')),
    sa.CheckConstraint('first_lock_seconds BETWEEN 10 AND 600', name=op.f('ck_security_thresholds_first_lock_range')),
    sa.CheckConstraint('max_lock_seconds BETWEEN 60 AND 86400 AND max_lock_seconds >= first_lock_seconds', name=op.f('ck_security_thresholds_max_lock_range')),
    sa.CheckConstraint('address_free_failures BETWEEN 10 AND 200 AND address_free_failures >= free_failures', name=op.f('ck_security_thresholds_address_failures_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_thresholds'))
    )


def downgrade():
    op.drop_table('security_thresholds')
