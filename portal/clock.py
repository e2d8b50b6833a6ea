"""China time (Asia/Shanghai), whatever the server's own zone: what 'today' and 'now' mean to the users."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current instant, aware, in UTC (how times are stored)."""
    return datetime.now(UTC)


def to_china(value: datetime | None) -> datetime | None:
    """Stored times are UTC (SQLite hands them back naive); people read China time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA)


def china_now() -> datetime:
    """The current time in China."""
    return datetime.now(CHINA)


def china_today() -> date:
    """Today's date in China, whatever the server's own time zone."""
    return china_now().date()


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which `day` starts in China (SQLite stores the UTC wall clock of it)."""
    return datetime.combine(day, time.min, tzinfo=CHINA).astimezone(UTC)
