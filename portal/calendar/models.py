"""The calendar's data: admin overrides, years entered from their notice, and the deadline setting."""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import Timestamped, utcnow


class CalendarOverride(Timestamped, db.Model):
    """One date declared a day off or a working day by a notice; wins over the built-in calendar."""

    __tablename__ = "calendar_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    working: Mapped[bool] = mapped_column(Boolean)
    notice: Mapped[str] = mapped_column(String(200))   # e.g. 国务院办公厅关于2027年部分节假日安排的通知
    note: Mapped[str | None] = mapped_column(String(100))  # e.g. 春节
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {'上班' if self.working else '放假'}"


class AnnouncedYear(db.Model):
    """A year whose holidays an admin has entered completely from the year's notice."""

    __tablename__ = "calendar_announced_years"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2099", name="year_range"),)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    notice: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def id(self):  # the audit log names records by id
        return self.year

    def __str__(self):
        return f"{self.year} 年节假日安排"


class DeadlineSetting(db.Model):
    """How far ahead guest seats must be requested: a single row (id 1) the provincial admin edits."""

    __tablename__ = "deadline_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("lead_working_days BETWEEN 1 AND 20", name="lead_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    lead_working_days: Mapped[int] = mapped_column(Integer, default=3)
    count_evaluation_day: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __str__(self):
        return "客场机位申请期限"
