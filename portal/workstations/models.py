"""Evaluation venues (评标场所) and workstations (评标工位) of trading centers."""
import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, str_enum
from ..orgs.models import TradingCenter
from ..orgs.scoping import CenterScoped


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
