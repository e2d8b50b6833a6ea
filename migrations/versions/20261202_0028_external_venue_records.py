"""Evaluation venues: an external guest venue's (外省客场) sign-in as the partner confirmed it, what its experts
are owed and the agent's payment of it

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

TABLE = 'evaluation_venues'

# In this order: each CHECK sits on the last of the columns it names (SQLite tests it against the rows there
# are when its column is added, every new column NULL), and the way down drops them in reverse.
COLUMNS = [
    (sa.Column('signed_in_count', sa.Integer()), 'signed_in_count_not_negative',
     'signed_in_count IS NULL OR signed_in_count >= 0', None),
    (sa.Column('signed_in_at', sa.DateTime(timezone=True)), None, None, None),
    (sa.Column('signed_in_contact', sa.String(length=100)), 'signed_in_confirmed',
     'signed_in_count IS NULL OR (signed_in_at IS NOT NULL AND signed_in_contact IS NOT NULL)', None),
    (sa.Column('signed_in_recorded_at', sa.DateTime(timezone=True)), None, None, None),
    (sa.Column('signed_in_recorded_by_id', sa.Integer()), None, None, 'users'),
    (sa.Column('owed_yuan', sa.Numeric(10, 2)), 'owed_not_negative', 'owed_yuan IS NULL OR owed_yuan >= 0', None),
    (sa.Column('owed_basis', sa.String(length=300)), None, None, None),
    (sa.Column('paid_yuan', sa.Numeric(10, 2)), 'paid_not_negative', 'paid_yuan IS NULL OR paid_yuan >= 0', None),
    (sa.Column('paid_at', sa.DateTime(timezone=True)), None, None, None),
    (sa.Column('paid_on', sa.Date()), 'paid_amount',
     'paid_at IS NULL OR (paid_yuan IS NOT NULL AND paid_on IS NOT NULL)', None),
    (sa.Column('paid_by_id', sa.Integer()), None, None, 'users'),
    (sa.Column('payment_ref', sa.String(length=100)), None, None, None),
]


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    for column, check, condition, refers_to in COLUMNS:
        ck = f'ck_{TABLE}_{check}' if check else None
        fk = f'fk_{TABLE}_{column.name}_{refers_to}' if refers_to else None
        if postgres:
            op.add_column(TABLE, column)
            # op.f: the names are final (the metadata's naming convention would prefix a ck_ name again).
            if ck:
                op.create_check_constraint(op.f(ck), TABLE, condition)
            if fk:
                op.create_foreign_key(op.f(fk), TABLE, refers_to, [column.name], ['id'])
            continue
        # SQLite adds each column with its named CHECK or foreign key in place, without copying the table (which
        # members, draws, duties, incidents, clues and hand-over items refer to).
        spec = str(sa.schema.CreateColumn(column).compile(dialect=bind.dialect))
        if ck:
            spec += f' CONSTRAINT {ck} CHECK ({condition})'
        if fk:
            spec += f' CONSTRAINT {fk} REFERENCES {refers_to} (id)'
        op.execute(f'ALTER TABLE {TABLE} ADD COLUMN {spec}')


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for column, _, _, _ in reversed(COLUMNS):
        if postgres:
            op.drop_column(TABLE, column.name)   # its constraints go with it
        else:
            # SQLite 3.35+ drops a column whose only constraints are its own.
            op.execute(f'ALTER TABLE {TABLE} DROP COLUMN {column.name}')
