"""Data versions: what a page may keep in memory between requests, and how it knows the data moved.

A few tables change rarely and are read by nearly every page (the calendar's overrides, the trading centers,
regions and provinces, the workstations and venues). The database stamps each of them: a trigger on every
INSERT, UPDATE or DELETE (migration 0031) writes a new random token into `data_versions` under the table's
name, in the writer's own transaction, whoever writes — a service, an import, a bulk load or a person with psql.
A page reads all the tokens in one query (once per request) and keys what it keeps by the tokens of the
tables it was computed from: when one moved, the kept value is simply not found again.

A request that itself writes one of these tables keeps nothing and reads nothing kept (its own change may
still roll back): the session's flushes and DML statements mark it (`_mark_writes`).

Random tokens, not a counter, so that a rolled-back change, a restored backup or an emptied test database can
never bring an old number back to mean other data. Every host keeps its own memory; nothing here has to be
shared, because the tokens live in the database all hosts read.
"""
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_app_context
from sqlalchemy import BigInteger, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

# The tables the triggers stamp (migration 0031 makes the triggers for exactly these).
VERSIONED_TABLES = ("workstations", "venues", "trading_centers", "regions", "provinces", "calendar_overrides",
                    "calendar_announced_years", "deadline_settings")

T = TypeVar("T")
_KEPT: dict[tuple, object] = {}
_KEPT_MAX = 512


class DataVersion(db.Model):
    """The token of one table's last change (written by the database's triggers only)."""

    __tablename__ = "data_versions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


def tokens(*tables: str) -> tuple:
    """The current tokens of `tables` (None for a table never changed since the database was made)."""
    known = g.get("data_versions") if has_app_context() else None
    if known is None:
        known = dict(db.session.execute(select(DataVersion.name, DataVersion.token)).all())
        if has_app_context():
            g.data_versions = known
    return tuple(known.get(table) for table in tables)


def kept(name: str, tables: tuple[str, ...], key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per state of `tables` (and `key`) in this process; the value must not be changed by
    its readers (tuples, frozen dataclasses, plain rows — never ORM objects, which belong to one session)."""
    if has_app_context() and g.get("wrote_versioned"):
        return compute()
    full = (str(db.engine.url), name, tokens(*tables), key)
    if full in _KEPT:
        return _KEPT[full]  # type: ignore[return-value]
    value = compute()
    if len(_KEPT) >= _KEPT_MAX:
        _KEPT.clear()
    _KEPT[full] = value
    return value


def forget_all() -> None:
    """Drop everything this process keeps (tests, after emptying the database)."""
    _KEPT.clear()


def _wrote_versioned() -> None:
    if has_app_context():
        g.wrote_versioned = True
        g.pop("data_versions", None)


@event.listens_for(Session, "after_flush")
def _mark_flushed(session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in VERSIONED_TABLES:
            _wrote_versioned()
            return


@event.listens_for(Session, "do_orm_execute")
def _mark_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in VERSIONED_TABLES:
            _wrote_versioned()
