"""Evaluation venues (评标场所) and workstations (评标工位) of trading centers, and the holds on them.

A workstation hold (工位占用) keeps one workstation for one time range: a guest booking, a local evaluation,
a maintenance block or a main-venue sign-in. The database refuses two active holds of one workstation whose
times overlap, whatever they are for (migration 0015): PostgreSQL by an exclusion constraint on
(workstation_id, tstzrange(starts_at, ends_at)) WHERE active, SQLite by triggers that raise on insert and
update. Neither can be declared here in a portable way.
"""
import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..models_base import Timestamped, str_enum, utcnow
from ..orgs.models import TradingCenter
from ..orgs.scoping import CenterScoped
from .rules import venue_sort_key


class VenueStatus(enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"active": "在用", "retired": "已停用"}[self.value]


class WorkstationStatus(enum.Enum):
    AVAILABLE = "available"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return WORKSTATION_STATUS_LABELS[self]


WORKSTATION_STATUS_LABELS = {
    WorkstationStatus.AVAILABLE: "可用",
    WorkstationStatus.MAINTENANCE: "维护中",
    WorkstationStatus.RETIRED: "已停用",
}


class Venue(CenterScoped, Timestamped, db.Model):
    """An evaluation venue (评标场所) of one trading center."""

    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("center_id", "name", name="uq_venues_center_name"),
        # Lets workstations reference (venue, center) together, so a workstation's center is its venue's.
        UniqueConstraint("id", "center_id", name="uq_venues_id_center"),
        CheckConstraint("status <> 'retired' OR retired_at IS NOT NULL", name="retired_has_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The name as people count (第一 < 第二 < 第十): lists order venues by it (rules.venue_sort_key).
    sort_key: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[VenueStatus] = mapped_column(str_enum(VenueStatus, "venue_status"),
                                                default=VenueStatus.ACTIVE)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retire_reason: Mapped[str | None] = mapped_column(String(200))

    center: Mapped[TradingCenter] = relationship(lazy="raise")
    workstations: Mapped[list["Workstation"]] = relationship(
        back_populates="venue", lazy="raise", overlaps="center",
        foreign_keys="[Workstation.venue_id, Workstation.center_id]")

    @validates("name")
    def _keep_sort_key(self, _key, name):
        self.sort_key = venue_sort_key(name)
        return name

    def __str__(self):
        return self.name


class Workstation(CenterScoped, Timestamped, db.Model):
    """An evaluation workstation (评标工位): code unique within its center; retiring keeps the row."""

    __tablename__ = "workstations"
    __table_args__ = (
        UniqueConstraint("center_id", "code", name="uq_workstations_center_code"),
        ForeignKeyConstraint(["venue_id", "center_id"], ["venues.id", "venues.center_id"],
                             name="fk_workstations_venue_center"),
        CheckConstraint("code <> '' AND code NOT LIKE '% %'", name="code_has_no_space"),
        CheckConstraint("status <> 'retired' OR retired_at IS NOT NULL", name="retired_has_date"),
        # Covers the directory's per-center counts (read in center order without the table)...
        Index("ix_workstations_center_status_cross", "center_id", "status", "cross_province"),
        # ...and serves its province-wide status filters.
        Index("ix_workstations_status_cross", "status", "cross_province"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    venue_id: Mapped[int] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(32))
    # 支持跨省远程异地评标
    cross_province: Mapped[bool] = mapped_column(Boolean, default=False)
    has_av: Mapped[bool] = mapped_column(Boolean, default=True)  # 音视频
    has_id_reader: Mapped[bool] = mapped_column(Boolean, default=False)  # 身份证读卡器
    has_signature_pad: Mapped[bool] = mapped_column(Boolean, default=False)  # 电子签名板
    status: Mapped[WorkstationStatus] = mapped_column(
        str_enum(WorkstationStatus, "workstation_status"), default=WorkstationStatus.AVAILABLE)
    notes: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retire_reason: Mapped[str | None] = mapped_column(String(200))

    center: Mapped[TradingCenter] = relationship(lazy="raise", overlaps="workstations")
    venue: Mapped[Venue] = relationship(back_populates="workstations", lazy="raise",
                                        foreign_keys=[venue_id, center_id], overlaps="center")

    def __str__(self):
        return self.code


class HoldPurpose(enum.Enum):
    GUEST_BOOKING = "guest_booking"
    LOCAL_EVALUATION = "local_evaluation"
    MAINTENANCE = "maintenance"
    SIGN_IN = "sign_in"

    @property
    def label(self) -> str:
        return HOLD_PURPOSE_LABELS[self]


HOLD_PURPOSE_LABELS = {
    HoldPurpose.GUEST_BOOKING: "客场机位预订",
    HoldPurpose.LOCAL_EVALUATION: "本地评标",
    HoldPurpose.MAINTENANCE: "维护",
    HoldPurpose.SIGN_IN: "主场专家签到",
}
LOCAL_PURPOSES = (HoldPurpose.LOCAL_EVALUATION, HoldPurpose.MAINTENANCE)


class LocalUse(CenterScoped, db.Model):
    """A center's own use of its workstations (本地使用): a local evaluation or a maintenance block.

    It holds its workstations through WorkstationHold rows, one per workstation and occurrence (a weekly
    repetition is expanded into concrete holds up to the last date). Cancelling releases them; the row stays.
    """

    __tablename__ = "local_uses"
    __table_args__ = (
        CheckConstraint("purpose IN ('local_evaluation', 'maintenance')", name="purpose_local"),
        CheckConstraint("last_date >= first_date", name="dates_in_order"),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)", name="weekday_known"),
        CheckConstraint("active OR cancelled_at IS NOT NULL", name="cancelled_has_date"),
        Index("ix_local_uses_center_first", "center_id", "first_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    purpose: Mapped[HoldPurpose] = mapped_column(str_enum(HoldPurpose, "hold_purpose"))
    # A local evaluation of a section of this center's own (its main center), or a free-text local project.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))         # the project's name or the maintenance reason
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)          # China wall-clock time on each day
    end_time: Mapped[time] = mapped_column(Time)
    weekday: Mapped[int | None] = mapped_column(Integer)    # 0 = Monday: only that weekday of the range
    seats: Mapped[int] = mapped_column(Integer)             # how many workstations it holds each time
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    center: Mapped[TradingCenter] = relationship(lazy="raise")
    holds: Mapped[list["WorkstationHold"]] = relationship(back_populates="local_use", lazy="raise",
                                                          order_by="WorkstationHold.starts_at")

    @property
    def label(self) -> str:
        return f"{self.purpose.label}：{self.title}"

    def __str__(self):
        return self.label


class WorkstationHold(CenterScoped, db.Model):
    """One workstation held for one time range (工位占用), whatever for. Released holds stay, inactive."""

    __tablename__ = "workstation_holds"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("active OR released_at IS NOT NULL", name="released_has_date"),
        CheckConstraint("(purpose IN ('local_evaluation', 'maintenance')) = (local_use_id IS NOT NULL)",
                        name="local_use_linked"),
        Index("ix_workstation_holds_workstation_starts", "workstation_id", "starts_at"),
        Index("ix_workstation_holds_center_starts", "center_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workstation_id: Mapped[int] = mapped_column(ForeignKey("workstations.id", ondelete="RESTRICT"))
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    purpose: Mapped[HoldPurpose] = mapped_column(str_enum(HoldPurpose, "hold_purpose"))
    # What the hold is for, as shown to whoever finds the seat taken (no expert's name: see rules).
    label: Mapped[str] = mapped_column(String(200))
    # The owning record: a local use here; a booking or a committee member refers to its hold from above.
    local_use_id: Mapped[int | None] = mapped_column(ForeignKey("local_uses.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_reason: Mapped[str | None] = mapped_column(String(200))

    workstation: Mapped[Workstation] = relationship(lazy="raise")
    local_use: Mapped[LocalUse | None] = relationship(back_populates="holds", lazy="raise")
