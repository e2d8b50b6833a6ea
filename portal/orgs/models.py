"""Organisations: provinces, regions (地区), trading centers (公共资源交易中心) and their contacts."""
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import RegionScoped, Timestamped
from .rules import FeeStandard


class Province(db.Model):
    """A province-level unit; the home province (吉林省) has regions, partner provinces do not."""

    __tablename__ = "provinces"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    short_name: Mapped[str] = mapped_column(String(10))
    is_home: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self):
        return self.name


class Region(db.Model):
    """One of the 12 reporting units of the monthly dispatch report, in the attachment's order."""

    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, unique=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))

    province: Mapped[Province] = relationship(lazy="raise")

    @classmethod
    def region_clause(cls, region_id):
        return cls.id == region_id

    def __str__(self):
        return self.name


class TradingCenter(RegionScoped, Timestamped, db.Model):
    """A public resource trading center (公共资源交易中心), in Jilin (with a region) or a partner province."""

    __tablename__ = "trading_centers"
    __table_args__ = (
        CheckConstraint("meal_fee_yuan IS NULL OR meal_fee_yuan >= 0", name="meal_fee_not_negative"),
        CheckConstraint("standing_required >= 0", name="standing_required_not_negative"),
        CheckConstraint("expert_fee_base_yuan IS NULL OR expert_fee_base_yuan >= 0", name="expert_fee_not_negative"),
        CheckConstraint("expert_fee_base_hours BETWEEN 1 AND 24", name="expert_fee_hours_range"),
        CheckConstraint("COALESCE(expert_fee_extra_hour_yuan, 0) >= 0 AND COALESCE(expert_fee_cap_yuan, 0) >= 0",
                        name="expert_fee_parts_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    short_name: Mapped[str] = mapped_column(String(20))
    # The name a source document uses when it differs (seed 004 says 吉林市公共资源交易服务中心).
    alias: Mapped[str | None] = mapped_column(String(80))
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[str] = mapped_column(String(10), default="市级")  # 省级 / 市级 / 县级
    address: Mapped[str | None] = mapped_column(String(200))
    # Standing cross-province secondary venue (常态化保障跨省远程异地评标的副场), seed 000 part 四.
    is_standing_secondary: Mapped[bool] = mapped_column(Boolean, default=False)
    standing_required: Mapped[int] = mapped_column(Integer, default=10)
    expert_fee_note: Mapped[str | None] = mapped_column(Text)  # 专家劳务费标准
    meal_fee_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))  # 客场就餐费用标准（元/人）
    # The expert fee standard as figures (评标专家劳务费标准): base for up to N hours, then per started hour.
    expert_fee_base_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    expert_fee_base_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    expert_fee_extra_hour_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    expert_fee_cap_yuan: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    province: Mapped[Province] = relationship(lazy="raise")
    region: Mapped[Region | None] = relationship(lazy="raise")
    contacts: Mapped[list["CenterContact"]] = relationship(
        back_populates="center", lazy="raise", order_by="CenterContact.id",
        cascade="all, delete-orphan")

    @classmethod
    def center_clause(cls, center_id):
        return cls.id == center_id

    @property
    def fee_standard(self):
        """The expert fee standard as a rule value, or None while the center has not published figures."""
        if self.expert_fee_base_yuan is None:
            return None
        return FeeStandard(base=self.expert_fee_base_yuan, base_hours=self.expert_fee_base_hours or 4,
                           extra_hour=self.expert_fee_extra_hour_yuan or Decimal(0), cap=self.expert_fee_cap_yuan)

    @classmethod
    def level_rank(cls):
        """Provincial centers first, then municipal, then county ones."""
        return case((cls.level == "省级", 0), (cls.level == "市级", 1), else_=2)

    def __str__(self):
        return self.name


class CenterContact(db.Model):
    """A contact person of a trading center (联系人)."""

    __tablename__ = "center_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(30))
    duty: Mapped[str | None] = mapped_column(String(60))

    center: Mapped[TradingCenter] = relationship(back_populates="contacts", lazy="raise")
