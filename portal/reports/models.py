"""The monthly dispatch report of one region (月调度情况表): its entered figures, the corrections of the
counted ones (each with the counted value beside it and a reason), and one frozen version per submission."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import RegionScoped, Timestamped, str_enum, utcnow
from ..orgs.models import Region
from ..projects.models import Amount
from .rules import Status


class MonthlyReport(RegionScoped, Timestamped, db.Model):
    """One region's report for one month; a draft until submitted, then locked until the province returns it."""

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("region_id", "month", name="uq_monthly_reports_region_month"),
        CheckConstraint("COALESCE(all_projects, 0) >= 0 AND COALESCE(all_sections, 0) >= 0 "
                        "AND COALESCE(all_budget_wan, 0) >= 0 AND COALESCE(all_winning_wan, 0) >= 0",
                        name="figures_not_negative"),
        CheckConstraint("submissions >= 0", name="submissions_not_negative"),
        CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND submissions >= 1)",
                        name="submitted_has_time"),
        CheckConstraint("status <> 'returned' OR (return_comment IS NOT NULL AND return_comment <> '')",
                        name="returned_has_comment"),
        CheckConstraint("status <> 'approved' OR (approved_at IS NOT NULL AND submitted_at IS NOT NULL)",
                        name="approved_has_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)           # the first day of the month reported
    status: Mapped[Status] = mapped_column(str_enum(Status, "monthly_report_status"), default=Status.DRAFT)
    all_projects: Mapped[int | None] = mapped_column(Integer)
    all_sections: Mapped[int | None] = mapped_column(Integer)
    all_budget_wan: Mapped[Decimal | None] = mapped_column(Amount)
    all_winning_wan: Mapped[Decimal | None] = mapped_column(Amount)
    note: Mapped[str | None] = mapped_column(String(500))             # 备注 (optional remarks)
    submissions: Mapped[int] = mapped_column(Integer, default=0)
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)       # first submission after the due date (the due date itself is on time)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str | None] = mapped_column(String(500))
    # 审核通过: the month's final figures until the province reopens the report (the reopening is a return).
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped by every change: a form showing an older state cannot overwrite a newer one.
    version: Mapped[int] = mapped_column(Integer, default=1)

    region: Mapped[Region] = relationship(lazy="raise")
    corrections: Mapped[list["ReportCorrection"]] = relationship(
        back_populates="report", lazy="raise", cascade="all, delete-orphan", order_by="ReportCorrection.id")
    versions: Mapped[list["ReportVersion"]] = relationship(
        back_populates="report", lazy="raise", order_by="ReportVersion.number")

    # The entered cells and their columns.
    ENTERED_COLUMNS = {"all_projects": "all_projects", "all_sections": "all_sections",
                       "all_budget": "all_budget_wan", "all_winning": "all_winning_wan"}

    def __str__(self):
        return f"{self.region.name} {self.month.year}年{self.month.month}月远程异地评标月调度情况表"


class ReportCorrection(db.Model):
    """A counted figure the region corrected: the value it reports, the value counted, and why."""

    __tablename__ = "monthly_report_corrections"
    __table_args__ = (
        UniqueConstraint("report_id", "cell", name="uq_monthly_report_corrections_cell"),
        CheckConstraint("reason <> ''", name="correction_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_reports.id", ondelete="CASCADE"))
    cell: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(500))      # as rules.to_text
    computed: Mapped[str] = mapped_column(String(500))   # the counted value when the correction was saved
    reason: Mapped[str] = mapped_column(String(300))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[MonthlyReport] = relationship(back_populates="corrections", lazy="raise")


class ReportVersion(db.Model):
    """What was submitted, frozen: every cell's value, the counted value, the reasons and the section ids
    counted, so that a submitted figure still links to its records after they change."""

    __tablename__ = "monthly_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number", name="uq_monthly_report_versions_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_reports.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[MonthlyReport] = relationship(back_populates="versions", lazy="raise")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id], lazy="raise")
    returned_by = relationship("User", foreign_keys=[returned_by_id], lazy="raise")
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="raise")
