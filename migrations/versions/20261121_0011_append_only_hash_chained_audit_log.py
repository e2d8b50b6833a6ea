"""append-only hash-chained audit log: each entry linked to the previous by a hash (existing entries chained
in id order), a one-row chain head, and triggers that refuse UPDATE and DELETE of audit entries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 19:26:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: an entry cannot be changed'); END",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: an entry cannot be deleted'); END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; "
    "END $$",
    "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
]


def upgrade():
    from portal.audit.chain import FIELDS, entry_hash

    op.create_table('audit_chain_head',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('last_hash', sa.String(length=64), nullable=True),
                    sa.Column('entries', sa.Integer(), nullable=False),
                    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_head_single_row')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')))
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    # Chain what is already there, in id order.
    conn = op.get_bind()
    types = {'created_at': sa.DateTime(timezone=True), 'before': sa.JSON, 'after': sa.JSON}
    entries = sa.table('audit_entries', sa.column('id'), sa.column('prev_hash'), sa.column('entry_hash'),
                       *(sa.column(name, types.get(name)) for name in FIELDS))
    previous, count, last_id = None, 0, 0
    while True:
        rows = conn.execute(sa.select(entries).where(entries.c.id > last_id).order_by(entries.c.id)
                            .limit(1000)).mappings().all()
        if not rows:
            break
        for row in rows:
            digest = entry_hash(row, previous)
            conn.execute(entries.update().where(entries.c.id == row['id'])
                         .values(prev_hash=previous, entry_hash=digest))
            previous, count, last_id = digest, count + 1, row['id']
    conn.execute(sa.text("INSERT INTO audit_chain_head (id, last_hash, entries) VALUES (1, :h, :n)"),
                 {"h": previous, "n": count})
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
    for statement in (POSTGRES_TRIGGERS if conn.dialect.name == 'postgresql' else SQLITE_TRIGGERS):
        op.execute(statement)


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_delete")
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_chain_head')
