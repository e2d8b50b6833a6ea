"""Venues: a sort key of the name as people count (第一 < 第二 < 第三 < 第十), filled for every venue

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 01:20:00.000000

"""
import re

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# A frozen copy of portal.workstations.rules.venue_sort_key as of this revision (a migration never imports the
# application, whose rules may change later).
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = re.compile(r"[0-9]+|[〇零一二两三四五六七八九十百千]+")


def _chinese_number(text):
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            digit = _CN_DIGITS[ch]
    return total + (digit or 0)


def _sort_key(name):
    def padded(match):
        raw = match.group(0)
        return f"{int(raw) if raw.isdigit() else _chinese_number(raw):08d}"
    return _NUMBER.sub(padded, name or "")[:200]


def upgrade():
    # ADD COLUMN with a constant default (no batch copy of a table that workstations refer to), then the keys.
    op.add_column('venues', sa.Column('sort_key', sa.String(200), server_default='', nullable=False))
    connection = op.get_bind()
    venues = sa.table('venues', sa.column('id', sa.Integer), sa.column('name', sa.String),
                      sa.column('sort_key', sa.String))
    for venue_id, name in connection.execute(sa.select(venues.c.id, venues.c.name)).all():
        connection.execute(venues.update().where(venues.c.id == venue_id).values(sort_key=_sort_key(name)))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL), not a batch copy: the copy would drop the venues
    # table that workstations refer to, which SQLite refuses while it enforces foreign keys.
    op.drop_column('venues', 'sort_key')
