"""三员分立 and two factors (issue 27 items 6 and 7): the system, security and audit admin roles; TOTP columns on
users; one-time recovery codes; the security admin's per-role settings

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 01:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_ROLES = ('province_admin', 'prefecture_admin', 'center_staff', 'agent', 'supervisor', 'publicity')
NEW_ROLES = OLD_ROLES + ('system_admin', 'security_admin', 'audit_admin')


def _in(roles) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _role_check(old, new):
    """Replace the CHECK of users.role (a VARCHAR with a CHECK, not a native enum, on both databases).

    SQLite cannot alter a constraint, and a batch copy of users (which every table refers to, some with ON
    DELETE CASCADE) would run with foreign keys on; so the stored CREATE TABLE text is edited in place, the
    procedure SQLite's documentation gives for changes that leave the stored rows valid (section 'Making Other
    Kinds Of Table Schema Changes' of lang_altertable). Narrowing it (downgrade) is safe once no row holds a
    removed role."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")).scalar()
        old_text, new_text = f"CONSTRAINT ck_users_role CHECK ({_in(old)})", f"CONSTRAINT ck_users_role CHECK ({_in(new)})"
        assert old_text in sql, "users.role's CHECK is not as revision 0001 made it"
        version = conn.execute(sa.text("PRAGMA schema_version")).scalar()
        conn.execute(sa.text("PRAGMA writable_schema = ON"))
        conn.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'users'"),
                     {"sql": sql.replace(old_text, new_text)})
        conn.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
        conn.execute(sa.text("PRAGMA writable_schema = OFF"))
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
    else:
        op.drop_constraint(op.f('ck_users_role'), 'users', type_='check')
        op.create_check_constraint(op.f('ck_users_role'), 'users', sa.text(_in(new)))


def upgrade():
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    _role_check(OLD_ROLES, NEW_ROLES)
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_sha256', name=op.f('uq_recovery_codes_code_sha256'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)
    op.create_table('role_policies',
    sa.Column('role', sa.Enum(*NEW_ROLES, name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('two_factor_required', sa.Boolean(), nullable=False),
    sa.Column('password_max_age_days', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('password_max_age_days IS NULL OR password_max_age_days BETWEEN 1 AND 3650', name=op.f('ck_role_policies_password_age_range')),
    sa.PrimaryKeyConstraint('role', name=op.f('pk_role_policies'))
    )


def downgrade():
    op.drop_table('role_policies')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    op.execute("UPDATE users SET active = false, role = 'agent' WHERE role IN ('system_admin', 'security_admin', 'audit_admin')")
    _role_check(NEW_ROLES, OLD_ROLES)
    op.drop_column('users', 'totp_last_step')
    op.drop_column('users', 'totp_enabled_at')
    op.drop_column('users', 'totp_secret')
