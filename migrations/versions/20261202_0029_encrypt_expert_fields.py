"""Field encryption at rest (issue 27 item 8): experts' ID numbers and phones and users' TOTP secrets become
AES-256-GCM ciphertext; blind indexes (HMAC-SHA256) of the ID number (unique) and phone (indexed) serve lookups

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 07:30:00.000000

The keys are the application's (FIELD_KEYS and BLIND_INDEX_KEY of the app running `flask db upgrade`, see
portal/fieldcrypt.py): run the upgrade with the production keys configured, never with a development file.

experts.id_number is renamed to id_number_bidx, so the unique constraint (and its index) stay with the column
that must be unique, and a new id_number column takes the ciphertext; phone keeps its column and gains
phone_bidx. Neither table can be copied in batch mode on SQLite: the copy drops a table that others refer to,
which SQLite refuses (or cascades) while it enforces foreign keys. What SQLite's ALTER TABLE cannot do (drop a
CHECK, rename a constraint, widen a declared VARCHAR, all of which leave the stored rows valid and the file
format unchanged) is done by editing the stored CREATE TABLE text, the procedure of SQLite's documentation
(lang_altertable, "Making Other Kinds Of Table Schema Changes") that revision 0021 also uses.
"""
import base64
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

BATCH = 500


# A frozen copy of portal.fieldcrypt's v1 format as of this revision (a migration never imports the application,
# whose code may change later; the format itself is kept readable by every later release).
class _Cipher:
    def __init__(self, field_keys, index_key):
        self.ring = {}
        self.current = None
        for part in (field_keys or "").split(","):
            if not part.strip():
                continue
            key_id, _, encoded = part.strip().partition(":")
            self.ring[key_id.strip()] = AESGCM(_b64(encoded))
            self.current = self.current or key_id.strip()
        if self.current is None or not index_key:
            raise RuntimeError("revision 0029 needs FIELD_KEYS and BLIND_INDEX_KEY (see portal/fieldcrypt.py)")
        self.index_key = _b64(index_key)

    def encrypt(self, purpose, text):
        nonce = secrets.token_bytes(12)
        sealed = self.ring[self.current].encrypt(nonce, text.encode("utf-8"), f"v1:{self.current}:{purpose}".encode())
        return f"v1:{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii').rstrip('=')}"

    def decrypt(self, purpose, stored):
        _, key_id, body = stored.split(":", 2)
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return self.ring[key_id].decrypt(blob[:12], blob[12:], f"v1:{key_id}:{purpose}".encode()).decode("utf-8")

    def blind_index(self, purpose, value):
        normal = re.sub(r"[\s-]", "", value).upper()
        return hmac.new(self.index_key, f"{purpose}\x00{normal}".encode(), hashlib.sha256).hexdigest()


def _b64(text):
    text = text.strip()
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None)


def _cipher():
    return _Cipher(current_app.config.get("FIELD_KEYS"), current_app.config.get("BLIND_INDEX_KEY"))


def _edit_sqlite_table(conn, table, replacements):
    """Replace texts of the table's stored CREATE TABLE (each must be there once), then check the file."""
    sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}).scalar()
    for old, new in replacements:
        assert sql.count(old) == 1, f"{table}: {old!r} is not in its CREATE TABLE as the earlier revisions made it"
        sql = sql.replace(old, new)
    version = conn.execute(sa.text("PRAGMA schema_version")).scalar()
    conn.execute(sa.text("PRAGMA writable_schema = ON"))
    conn.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
                 {"sql": sql, "t": table})
    conn.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    conn.execute(sa.text("PRAGMA writable_schema = OFF"))
    assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"


def _quoted(conn, table, column):
    """How SQLite's RENAME COLUMN wrote the new name into the CREATE TABLE text (quoted or not)."""
    sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}).scalar()
    return f'"{column}"' if f'"{column}"' in sql else column


EXPERTS = sa.table('experts', sa.column('id', sa.Integer), sa.column('id_number', sa.String),
                   sa.column('id_number_bidx', sa.String), sa.column('phone', sa.String),
                   sa.column('phone_bidx', sa.String))
USERS = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _batches(conn, table, columns):
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, *columns).where(table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def upgrade():
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    cipher = _cipher()
    # experts: the plain number moves to id_number_bidx (unique), the ciphertext columns are added.
    op.execute("ALTER TABLE experts RENAME COLUMN id_number TO id_number_bidx")
    op.add_column('experts', sa.Column('id_number', sa.String(length=255), server_default='', nullable=False))
    op.add_column('experts', sa.Column('phone_bidx', sa.String(length=64), server_default='', nullable=False))
    if sqlite:
        bidx = _quoted(conn, 'experts', 'id_number_bidx')
        _edit_sqlite_table(conn, 'experts', [
            (f"CONSTRAINT ck_experts_id_number_18 CHECK (length({bidx}) = 18), ", ""),
            (f"{bidx} VARCHAR(18) NOT NULL", f"{bidx} VARCHAR(64) NOT NULL"),
            ("phone VARCHAR(20) NOT NULL", "phone VARCHAR(255) NOT NULL"),
            ("CONSTRAINT uq_experts_id_number UNIQUE", "CONSTRAINT uq_experts_id_number_bidx UNIQUE"),
        ])
        _edit_sqlite_table(conn, 'users', [("totp_secret VARCHAR(64)", "totp_secret VARCHAR(255)")])
    else:
        op.drop_constraint(op.f('ck_experts_id_number_18'), 'experts', type_='check')
        op.execute("ALTER TABLE experts RENAME CONSTRAINT uq_experts_id_number TO uq_experts_id_number_bidx")
        op.alter_column('experts', 'id_number_bidx', type_=sa.String(length=64), existing_nullable=False)
        op.alter_column('experts', 'phone', type_=sa.String(length=255), existing_nullable=False)
        op.alter_column('users', 'totp_secret', type_=sa.String(length=255), existing_nullable=True)
    for rows in _batches(conn, EXPERTS, (EXPERTS.c.id_number_bidx, EXPERTS.c.phone)):
        for expert_id, number, phone in rows:
            conn.execute(EXPERTS.update().where(EXPERTS.c.id == expert_id).values(
                id_number=cipher.encrypt("experts.id_number", number),
                id_number_bidx=cipher.blind_index("experts.id_number", number),
                phone=cipher.encrypt("experts.phone", phone),
                phone_bidx=cipher.blind_index("experts.phone", phone)))
    for rows in _batches(conn, USERS, (USERS.c.totp_secret,)):
        for user_id, secret in rows:
            if secret is not None:
                conn.execute(USERS.update().where(USERS.c.id == user_id)
                             .values(totp_secret=cipher.encrypt("users.totp_secret", secret)))
    if not sqlite:   # SQLite keeps the (unused) default: removing it is another schema edit for nothing
        op.alter_column('experts', 'id_number', server_default=None, existing_type=sa.String(length=255))
        op.alter_column('experts', 'phone_bidx', server_default=None, existing_type=sa.String(length=64))
    op.create_index(op.f('ix_experts_phone_bidx'), 'experts', ['phone_bidx'], unique=False)


def downgrade():
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    cipher = _cipher()
    for rows in _batches(conn, EXPERTS, (EXPERTS.c.id_number, EXPERTS.c.phone)):
        for expert_id, number, phone in rows:
            conn.execute(EXPERTS.update().where(EXPERTS.c.id == expert_id).values(
                id_number_bidx=cipher.decrypt("experts.id_number", number),
                phone=cipher.decrypt("experts.phone", phone)))
    for rows in _batches(conn, USERS, (USERS.c.totp_secret,)):
        for user_id, secret in rows:
            if secret is not None:
                conn.execute(USERS.update().where(USERS.c.id == user_id)
                             .values(totp_secret=cipher.decrypt("users.totp_secret", secret)))
    op.drop_index(op.f('ix_experts_phone_bidx'), table_name='experts')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): the columns carry no constraint or index now.
    op.drop_column('experts', 'phone_bidx')
    op.drop_column('experts', 'id_number')
    op.execute("ALTER TABLE experts RENAME COLUMN id_number_bidx TO id_number")
    if sqlite:
        number = _quoted(conn, 'experts', 'id_number')
        _edit_sqlite_table(conn, 'experts', [
            (f"{number} VARCHAR(64) NOT NULL", f"{number} VARCHAR(18) NOT NULL"),
            ("phone VARCHAR(255) NOT NULL", "phone VARCHAR(20) NOT NULL"),
            ("CONSTRAINT uq_experts_id_number_bidx UNIQUE",
             f"CONSTRAINT ck_experts_id_number_18 CHECK (length({number}) = 18), CONSTRAINT uq_experts_id_number UNIQUE"),
        ])
        _edit_sqlite_table(conn, 'users', [("totp_secret VARCHAR(255)", "totp_secret VARCHAR(64)")])
    else:
        op.execute("ALTER TABLE experts RENAME CONSTRAINT uq_experts_id_number_bidx TO uq_experts_id_number")
        op.alter_column('experts', 'id_number', type_=sa.String(length=18), existing_nullable=False)
        op.alter_column('experts', 'phone', type_=sa.String(length=20), existing_nullable=False)
        op.alter_column('users', 'totp_secret', type_=sa.String(length=64), existing_nullable=True)
        op.create_check_constraint(op.f('ck_experts_id_number_18'), 'experts', sa.text('length(id_number) = 18'))
