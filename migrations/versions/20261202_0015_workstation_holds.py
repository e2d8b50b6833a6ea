"""workstation holds: one table, one database guarantee, for guest bookings, local use and sign-ins

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:00:00.000000

Every existing booking gets its hold (active as the booking is); every main-venue expert signed in on a
workstation gets one for the evaluation's time. A sign-in that overlaps a hold taken before it (two
evaluations that signed in on the same workstation, which nothing prevented until now) is kept as a released
hold with the reason, so the upgrade never fails on old data and the clash is visible.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# No workstation has two active holds whose [starts_at, ends_at) ranges overlap, whatever they are for.
PG_NO_OVERLAP = (
    "ALTER TABLE workstation_holds ADD CONSTRAINT ex_workstation_holds_no_overlap EXCLUDE USING gist "
    "(workstation_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (active)"
)
# SQLite has no exclusion constraints: triggers refuse the same rows. SQLite runs one writer at a time,
# so the check inside the writing transaction sees every committed hold.
SQLITE_OVERLAP_CHECK = (
    "SELECT RAISE(ABORT, 'ex_workstation_holds_no_overlap: workstation already held for an overlapping time') "
    "WHERE EXISTS (SELECT 1 FROM workstation_holds h WHERE h.workstation_id = NEW.workstation_id AND h.active "
    "AND h.id IS NOT NEW.id AND h.starts_at < NEW.ends_at AND h.ends_at > NEW.starts_at)"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER workstation_holds_no_overlap_insert BEFORE INSERT ON workstation_holds WHEN NEW.active "
    f"BEGIN {SQLITE_OVERLAP_CHECK}; END",
    "CREATE TRIGGER workstation_holds_no_overlap_update BEFORE UPDATE OF workstation_id, starts_at, ends_at, "
    f"active ON workstation_holds WHEN NEW.active BEGIN {SQLITE_OVERLAP_CHECK}; END",
)
# An active booking keeps an active hold of its own workstation: no booking escapes the holds' guarantee.
HOLD_OF_BOOKING = ("NEW.active AND NOT EXISTS (SELECT 1 FROM workstation_holds h WHERE h.id = NEW.hold_id "
                   "AND h.active AND h.workstation_id = NEW.workstation_id)")
HOLD_MESSAGE = "ck_bookings_active_has_hold: an active booking needs an active hold of its workstation"
PG_BOOKING_HOLD = (
    "CREATE FUNCTION bookings_active_has_hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF {HOLD_OF_BOOKING} THEN RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = '{HOLD_MESSAGE}'; "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER bookings_active_has_hold BEFORE INSERT OR UPDATE ON bookings "
    "FOR EACH ROW EXECUTE FUNCTION bookings_active_has_hold()",
)
SQLITE_BOOKING_HOLD = (
    f"CREATE TRIGGER bookings_active_has_hold_insert BEFORE INSERT ON bookings WHEN {HOLD_OF_BOOKING} "
    f"BEGIN SELECT RAISE(ABORT, '{HOLD_MESSAGE}'); END",
    "CREATE TRIGGER bookings_active_has_hold_update BEFORE UPDATE OF active, hold_id, workstation_id ON bookings "
    f"WHEN {HOLD_OF_BOOKING} BEGIN SELECT RAISE(ABORT, '{HOLD_MESSAGE}'); END",
)
PURPOSES = ('guest_booking', 'local_evaluation', 'maintenance', 'sign_in')


def _purpose(name):
    return sa.Enum(*PURPOSES, name='hold_purpose', native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table('local_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('purpose', _purpose('local_uses'), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=True),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint("purpose IN ('local_evaluation', 'maintenance')", name=op.f('ck_local_uses_purpose_local')),
    sa.CheckConstraint('last_date >= first_date', name=op.f('ck_local_uses_dates_in_order')),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_local_uses_ends_after_start')),
    sa.CheckConstraint('weekday IS NULL OR (weekday >= 0 AND weekday <= 6)', name=op.f('ck_local_uses_weekday_known')),
    sa.CheckConstraint('active OR cancelled_at IS NOT NULL', name=op.f('ck_local_uses_cancelled_has_date')),
    sa.ForeignKeyConstraint(['center_id'], ['trading_centers.id'], name=op.f('fk_local_uses_center_id_trading_centers')),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_local_uses_section_id_sections'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_local_uses_created_by_id_users')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_local_uses_cancelled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_uses'))
    )
    op.create_index('ix_local_uses_center_first', 'local_uses', ['center_id', 'first_date'], unique=False)
    op.create_index(op.f('ix_local_uses_section_id'), 'local_uses', ['section_id'], unique=False)

    op.create_table('workstation_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workstation_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purpose', _purpose('workstation_holds'), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('local_use_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_reason', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_workstation_holds_ends_after_start')),
    sa.CheckConstraint('active OR released_at IS NOT NULL', name=op.f('ck_workstation_holds_released_has_date')),
    sa.CheckConstraint("(purpose IN ('local_evaluation', 'maintenance')) = (local_use_id IS NOT NULL)",
                       name=op.f('ck_workstation_holds_local_use_linked')),
    sa.ForeignKeyConstraint(['workstation_id'], ['workstations.id'], name=op.f('fk_workstation_holds_workstation_id_workstations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['center_id'], ['trading_centers.id'], name=op.f('fk_workstation_holds_center_id_trading_centers')),
    sa.ForeignKeyConstraint(['local_use_id'], ['local_uses.id'], name=op.f('fk_workstation_holds_local_use_id_local_uses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_workstation_holds_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workstation_holds'))
    )
    op.create_index('ix_workstation_holds_workstation_starts', 'workstation_holds', ['workstation_id', 'starts_at'], unique=False)
    op.create_index('ix_workstation_holds_center_starts', 'workstation_holds', ['center_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_workstation_holds_local_use_id'), 'workstation_holds', ['local_use_id'], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    # The owners' links. SQLite adds a column with its (named) foreign key in place, without copying the tables
    # (a copy of bookings would drop its triggers, one of committee_members its partial indexes).
    for table in ('bookings', 'committee_members'):
        fk = f'fk_{table}_hold_id_workstation_holds'
        if postgres:
            op.add_column(table, sa.Column('hold_id', sa.Integer(), nullable=True))
            op.create_foreign_key(fk, table, 'workstation_holds', ['hold_id'], ['id'])
        else:
            op.execute(f"ALTER TABLE {table} ADD COLUMN hold_id INTEGER "
                       f"CONSTRAINT {fk} REFERENCES workstation_holds (id)")
    op.create_index('uq_bookings_hold_id', 'bookings', ['hold_id'], unique=True)

    _copy_existing_holds()
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(PG_NO_OVERLAP)
    for statement in (PG_BOOKING_HOLD if postgres else SQLITE_TRIGGERS + SQLITE_BOOKING_HOLD):
        op.execute(statement)


def _aware(value):
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _copy_existing_holds():
    """A hold for every booking, and for every main-venue member signed in on a workstation."""
    conn = op.get_bind()
    now = datetime.now(UTC)
    taken: dict[int, list[tuple[datetime, datetime]]] = {}
    holds = sa.table('workstation_holds', *(sa.column(c) for c in (
        'id', 'workstation_id', 'center_id', 'starts_at', 'ends_at', 'purpose', 'label', 'active', 'created_at',
        'created_by_id', 'released_at', 'released_reason')))

    def insert(**values):
        return conn.execute(holds.insert().values(**values).returning(holds.c.id)).scalar_one()

    bookings = conn.execute(sa.text(
        "SELECT b.id, b.workstation_id, b.center_id, b.starts_at, b.ends_at, b.active, b.created_at, "
        "b.created_by_id, b.released_at, b.released_reason, r.id, r.created_at, s.name "
        "FROM bookings b JOIN seat_requests r ON b.request_id = r.id JOIN sections s ON r.section_id = s.id "
        "ORDER BY b.id")).all()
    for (bid, wid, cid, starts, ends, active, created, by, released, reason, rid, rcreated, section) in bookings:
        starts, ends = _aware(starts), _aware(ends)
        number = f"KC{_aware(rcreated).year}-{rid:05d}"
        hold_id = insert(workstation_id=wid, center_id=cid, starts_at=starts, ends_at=ends,
                         purpose='guest_booking', label=f"申请 {number}（{section}）"[:200], active=bool(active),
                         created_at=_aware(created), created_by_id=by,
                         released_at=None if active else (released or now), released_reason=reason)
        conn.execute(sa.text("UPDATE bookings SET hold_id = :h WHERE id = :b"), {"h": hold_id, "b": bid})
        if active:
            taken.setdefault(wid, []).append((starts, ends))

    members = conn.execute(sa.text(
        "SELECT m.id, m.workstation_id, v.center_id, e.starts_at, e.duration_minutes, m.signed_in_at, "
        "m.signed_in_by_id, s.name FROM committee_members m JOIN evaluation_venues v ON m.venue_id = v.id "
        "JOIN evaluations e ON m.evaluation_id = e.id JOIN sections s ON e.section_id = s.id "
        "WHERE v.is_main AND m.status = 'seated' AND m.signed_in_at IS NOT NULL AND m.workstation_id IS NOT NULL "
        "ORDER BY m.signed_in_at, m.id")).all()
    for (mid, wid, cid, starts, minutes, signed, by, section) in members:
        starts = _aware(starts)
        ends = starts + timedelta(minutes=minutes)
        clash = any(s < ends and starts < e for s, e in taken.get(wid, []))
        hold_id = insert(workstation_id=wid, center_id=cid, starts_at=starts, ends_at=ends, purpose='sign_in',
                         label=f"评标“{section}”主场专家签到"[:200], active=not clash, created_at=_aware(signed),
                         created_by_id=by, released_at=now if clash else None,
                         released_reason="升级时发现与先前的占用重叠" if clash else None)
        conn.execute(sa.text("UPDATE committee_members SET hold_id = :h WHERE id = :m"), {"h": hold_id, "m": mid})
        if not clash:
            taken.setdefault(wid, []).append((starts, ends))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER bookings_active_has_hold ON bookings")
        op.execute("DROP FUNCTION bookings_active_has_hold()")
        op.execute("ALTER TABLE workstation_holds DROP CONSTRAINT ex_workstation_holds_no_overlap")
        op.drop_constraint('fk_committee_members_hold_id_workstation_holds', 'committee_members', type_='foreignkey')
        op.drop_constraint('fk_bookings_hold_id_workstation_holds', 'bookings', type_='foreignkey')
    else:
        op.execute("DROP TRIGGER workstation_holds_no_overlap_insert")
        op.execute("DROP TRIGGER workstation_holds_no_overlap_update")
        op.execute("DROP TRIGGER bookings_active_has_hold_insert")
        op.execute("DROP TRIGGER bookings_active_has_hold_update")
    op.drop_index('uq_bookings_hold_id', table_name='bookings')
    # SQLite 3.35+ drops a column that no index or constraint but its own foreign key names.
    for table in ('committee_members', 'bookings'):
        if op.get_bind().dialect.name == "postgresql":
            op.drop_column(table, 'hold_id')
        else:
            op.execute(f"ALTER TABLE {table} DROP COLUMN hold_id")
    op.drop_index(op.f('ix_workstation_holds_local_use_id'), table_name='workstation_holds')
    op.drop_index('ix_workstation_holds_center_starts', table_name='workstation_holds')
    op.drop_index('ix_workstation_holds_workstation_starts', table_name='workstation_holds')
    op.drop_table('workstation_holds')
    op.drop_index(op.f('ix_local_uses_section_id'), table_name='local_uses')
    op.drop_index('ix_local_uses_center_first', table_name='local_uses')
    op.drop_table('local_uses')
