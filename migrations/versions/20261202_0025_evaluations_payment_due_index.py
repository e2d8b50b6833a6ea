"""An index of evaluations by payment due date, for the deadlines board and the workbench's overdue card

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 02:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_evaluations_payment_due', 'evaluations', ['payment_due'])


def downgrade():
    op.drop_index('ix_evaluations_payment_due', table_name='evaluations')
