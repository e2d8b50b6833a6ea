"""Cross-province cooperation (跨省合作): pairings (对口合作) and joint testing (联调联试)."""
import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, str_enum, utcnow
from ..orgs.models import Province, TradingCenter


class Pairing(Timestamped, db.Model):
    """An implementing center (实施单位, main venue) and the partner centers (合作援助单位) that
    provide its guest venues, for a period. Ended pairings stay on record."""

    __tablename__ = "pairings"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    implementing_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # last day in force; None = open-ended
    basis: Mapped[str] = mapped_column(String(200), default="")  # 依据（文件名称）
    notes: Mapped[str | None] = mapped_column(Text)

    implementing_center: Mapped[TradingCenter] = relationship(lazy="raise")
    partners: Mapped[list["PairingPartner"]] = relationship(
        back_populates="pairing", lazy="raise", order_by="PairingPartner.position",
        cascade="all, delete-orphan")

    def __str__(self):
        return f"对口合作 #{self.id}"


class PairingPartner(db.Model):
    """One partner center of a pairing, in the order the source document lists it."""

    __tablename__ = "pairing_partners"
    __table_args__ = (
        UniqueConstraint("pairing_id", "partner_center_id", name="uq_pairing_partners_pairing_partner"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"), index=True)
    partner_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    pairing: Mapped[Pairing] = relationship(back_populates="partners", lazy="raise")
    partner_center: Mapped[TradingCenter] = relationship(lazy="raise")


class JointTestStatus(enum.Enum):
    PLANNED = "planned"
    TESTING = "testing"
    PASSED = "passed"
    ROUTINE = "routine"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return JOINT_TEST_LABELS[self]

    @property
    def badge(self) -> str:
        """The CSS badge that colours this step."""
        return {"planned": "badge-muted", "testing": "badge-warn", "suspended": "badge-bad"}.get(
            self.value, "badge-ok")


JOINT_TEST_LABELS = {
    JointTestStatus.PLANNED: "计划联调",
    JointTestStatus.TESTING: "联调测试中",
    JointTestStatus.PASSED: "测试通过",
    JointTestStatus.ROUTINE: "常态化运行",
    JointTestStatus.SUSPENDED: "暂停",
}


class JointTestEvent(db.Model):
    """One step of joint testing (联调联试) with a partner province; the latest one is its state."""

    __tablename__ = "joint_test_events"
    __table_args__ = (Index("ix_joint_test_events_province_date", "province_id", "event_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    status: Mapped[JointTestStatus] = mapped_column(str_enum(JointTestStatus, "joint_test_status"))
    event_date: Mapped[date] = mapped_column(Date)
    workstations: Mapped[str | None] = mapped_column(String(500))  # the workstations used, by code
    result: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    province: Mapped[Province] = relationship(lazy="raise")
    # The home-province centers (本省交易中心) that took part in this step, e.g. a standing secondary venue.
    centers: Mapped[list[TradingCenter]] = relationship(
        secondary="joint_test_event_centers", viewonly=True, lazy="raise", order_by="TradingCenter.name")


class JointTestCenter(db.Model):
    """A home-province center that took part in a step of joint testing (参与联调联试的交易中心)."""

    __tablename__ = "joint_test_event_centers"
    event_id: Mapped[int] = mapped_column(ForeignKey("joint_test_events.id", ondelete="CASCADE"), primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), primary_key=True, index=True)
