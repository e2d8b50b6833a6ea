"""Shared column helpers and the scoping hooks every region- or center-owned model provides."""
import enum
from datetime import datetime, UTC

from sqlalchemy import DateTime, Enum, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column


MAX_ID = 2**31 - 1   # integer primary keys: a larger number in a URL or form is no record, not an error


def valid_id(value) -> int | None:
    """An id from outside (URL, form) as an int, or None when it cannot be a stored id."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 1 <= number <= MAX_ID else None


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str):
    """A portable enum column: stored as its value in a VARCHAR with a CHECK constraint."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda members: [m.value for m in members],
                validate_strings=True)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class CenterScoped:
    """A record owned by one trading center; its region is the center's region.

    The scoping helper (portal.auth.permissions) asks these two clauses, so that no view
    re-types how a record belongs to a region.
    """

    @classmethod
    def center_clause(cls, center_id):
        return cls.center_id == center_id

    @classmethod
    def region_clause(cls, region_id):
        from .orgs.models import TradingCenter

        return cls.center_id.in_(select(TradingCenter.id).where(TradingCenter.region_id == region_id))


class StoredFile:
    """The columns of an uploaded file kept under a random name (portal.uploads): name for the download."""

    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
