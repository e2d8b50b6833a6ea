"""Shared column helpers and the scoping mixins of region- and owner-owned models.

The permission table's scopes (portal.auth.permissions) ask a model for `region_clause(region_id)`,
`center_clause(center_id)` or `owner_clause(user_id)`: the WHERE clause of the records that a region, a
center or an account reaches. A model says how it belongs by its mixins (RegionScoped, OwnerScoped here;
CenterScoped in portal.orgs.scoping, as it needs the centers' regions), or by its own classmethod where the
way is particular (a section reaches its region through its project).
"""
import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, Integer, String
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


class RegionScoped:
    """A record owned by one region through its `region_id` column (`region_key` names another column)."""

    region_key = "region_id"

    @classmethod
    def region_clause(cls, region_id):
        return getattr(cls, cls.region_key) == region_id


class OwnerScoped:
    """A record owned by one account through its `owner_id` column (`owner_key` names another column)."""

    owner_key = "owner_id"

    @classmethod
    def owner_clause(cls, user_id):
        return getattr(cls, cls.owner_key) == user_id


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
