"""Projects and tender sections (项目与标段), the thresholds that decide remote evaluation, exemptions."""
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    exists,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import OwnerScoped, RegionScoped, Timestamped, str_enum, utcnow
from ..orgs.models import Region, TradingCenter
from .rules import Category, CombinedPart, Level, SectionFacts, ThresholdCategory

Amount = Numeric(14, 4)   # 万元, up to 10^8 with 4 decimals (1 元)


class Threshold(db.Model):
    """A category's threshold from an effective date on; a new notice adds a row, history stays."""

    __tablename__ = "remote_thresholds"
    __table_args__ = (
        UniqueConstraint("category", "effective_from"),
        CheckConstraint("amount_wan > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ThresholdCategory] = mapped_column(str_enum(ThresholdCategory, "threshold_category"))
    amount_wan: Mapped[Decimal] = mapped_column(Amount)
    effective_from: Mapped[date] = mapped_column(Date)
    notice: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __str__(self):
        return f"{self.category.label} {self.amount_wan.normalize():f} 万元（{self.effective_from:%Y-%m-%d} 起）"


class Project(OwnerScoped, RegionScoped, Timestamped, db.Model):
    """A project registered by an agent; its region is the supervising department's region."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tenderee: Mapped[str] = mapped_column(String(200))      # 招标人
    agency: Mapped[str | None] = mapped_column(String(200))  # 招标代理机构
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Another province's project for which a center of this region is a guest venue (跨省副场, migration 0026):
    # registered by that center's (the host's) staff from the partner's request, with the partner's names and
    # codes. None: a project of this province.
    host_center_id: Mapped[int | None] = mapped_column(ForeignKey("trading_centers.id"), index=True)

    region: Mapped[Region] = relationship(lazy="raise")
    owner = relationship("User", lazy="raise")
    sections: Mapped[list["Section"]] = relationship(back_populates="project", lazy="raise",
                                                     order_by="Section.code")

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def inbound(self) -> bool:
        return self.host_center_id is not None

    @classmethod
    def center_clause(cls, center_id):
        """A center's staff reach the projects that have a section whose main venue is their center, and the
        other provinces' projects their center hosts as a guest venue (inbound)."""
        return exists(select(Section.id).where(Section.project_id == cls.id, Section.center_clause(center_id)))


class Section(Timestamped, db.Model):
    """A tender section (标段/包): what is evaluated, where, when, and whether it must go remote."""

    __tablename__ = "sections"
    __table_args__ = (
        UniqueConstraint("project_id", "code"),
        CheckConstraint("contract_estimate_wan IS NOT NULL OR investment_estimate_wan IS NOT NULL "
                        "OR budget_wan IS NOT NULL", name="has_an_estimate"),
        CheckConstraint("COALESCE(contract_estimate_wan, 0) >= 0 AND COALESCE(investment_estimate_wan, 0) >= 0 "
                        "AND COALESCE(budget_wan, 0) >= 0 AND COALESCE(epc_construction_wan, 0) >= 0 "
                        "AND COALESCE(epc_goods_wan, 0) >= 0 AND COALESCE(epc_services_wan, 0) >= 0",
                        name="amounts_not_negative"),
        CheckConstraint("winning_bid_wan IS NULL OR winning_bid_wan >= 0", name="winning_not_negative"),
        CheckConstraint("category <> 'combined' OR combined_parts <> ''", name="combined_has_parts"),
        Index("ix_sections_created_at", "created_at"),   # the section list's default order (newest first)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(str_enum(Category, "section_category"))
    contract_estimate_wan: Mapped[Decimal | None] = mapped_column(Amount)
    investment_estimate_wan: Mapped[Decimal | None] = mapped_column(Amount)
    budget_wan: Mapped[Decimal | None] = mapped_column(Amount)
    # The parts by kind (施工/货物/服务) of an EPC or of a combined procurement (合并采购); the names predate the latter.
    epc_construction_wan: Mapped[Decimal | None] = mapped_column(Amount)
    epc_goods_wan: Mapped[Decimal | None] = mapped_column(Amount)
    epc_services_wan: Mapped[Decimal | None] = mapped_column(Amount)
    combined_parts: Mapped[str] = mapped_column(String(100), default="")   # comma-separated CombinedPart values
    special_expert_needs: Mapped[bool] = mapped_column(Boolean, default=False)
    special_specialties: Mapped[str | None] = mapped_column(String(200))
    local_pool_insufficient: Mapped[bool] = mapped_column(Boolean, default=False)
    main_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    evaluation_date: Mapped[date | None] = mapped_column(Date, index=True)
    start_time: Mapped[time | None] = mapped_column(Time)
    prequalification: Mapped[bool] = mapped_column(Boolean, default=False)
    # 依法必须招标: the notice's scope rule applies only to these (a voluntary tender is never required).
    mandatory_tender: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The decision when last saved, with the thresholds in force on the registration date.
    remote_level: Mapped[Level] = mapped_column(str_enum(Level, "remote_level"), index=True)
    estimated_price_wan: Mapped[Decimal | None] = mapped_column(Amount)
    # 中标金额, recorded by the agent once the winner is determined (the monthly report sums it).
    winning_bid_wan: Mapped[Decimal | None] = mapped_column(Amount)
    winning_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    project: Mapped[Project] = relationship(back_populates="sections", lazy="raise")
    main_center: Mapped[TradingCenter] = relationship(lazy="raise")
    exemption: Mapped["Exemption | None"] = relationship(back_populates="section", lazy="raise", uselist=False)

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def parts(self) -> frozenset[CombinedPart]:
        return frozenset(CombinedPart(v) for v in self.combined_parts.split(",") if v)

    def facts(self) -> SectionFacts:
        return SectionFacts(
            category=self.category,
            estimates=(self.contract_estimate_wan, self.investment_estimate_wan, self.budget_wan),
            part_amounts={ThresholdCategory.CONSTRUCTION: self.epc_construction_wan,
                          ThresholdCategory.GOODS: self.epc_goods_wan,
                          ThresholdCategory.SERVICES: self.epc_services_wan},
            combined_parts=self.parts,
            special_expert_needs=self.special_expert_needs,
            local_pool_insufficient=self.local_pool_insufficient,
            mandatory_tender=self.mandatory_tender if self.mandatory_tender is not None else True,
        )

    @classmethod
    def owner_clause(cls, user_id):
        return cls.project_id.in_(select(Project.id).where(Project.owner_id == user_id))

    @classmethod
    def region_clause(cls, region_id):
        return cls.project_id.in_(select(Project.id).where(Project.region_id == region_id))

    @classmethod
    def center_clause(cls, center_id):
        """The sections whose main venue is the center, and the inbound ones it hosts as a guest venue."""
        hosted = select(Project.id).where(Project.host_center_id == center_id)
        return or_(cls.main_center_id == center_id, cls.project_id.in_(hosted))


class ExemptionReason:
    CHOICES = [("complex", "技术复杂"), ("specialised", "专业性强"), ("secret", "涉及国家秘密"), ("other", "其他特殊原因")]
    LABELS = dict(CHOICES)


class Exemption(Timestamped, db.Model):
    """Why a section that should go remote will not (书面说明), and its filing with the supervisor."""

    __tablename__ = "exemptions"
    __table_args__ = (
        CheckConstraint("reason IN ('complex', 'specialised', 'secret', 'other')", name="reason_known"),
        CheckConstraint("(filed_on IS NULL) = (winner_determined_on IS NULL)", name="filed_with_winner_date"),
        CheckConstraint("filed_on IS NULL OR filed_on >= winner_determined_on", name="filed_after_winner"),
        CheckConstraint("pdf_size IS NULL OR pdf_size <= 20971520", name="pdf_at_most_20mb"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="RESTRICT"), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    pdf_name: Mapped[str | None] = mapped_column(String(200))      # as uploaded, for the download
    pdf_key: Mapped[str | None] = mapped_column(String(80))        # file name under the upload folder
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    winner_determined_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    filed_with: Mapped[str | None] = mapped_column(String(200))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    section: Mapped[Section] = relationship(back_populates="exemption", lazy="raise")

    @property
    def reason_label(self) -> str:
        return ExemptionReason.LABELS.get(self.reason, self.reason)

    @property
    def filed(self) -> bool:
        return self.filed_on is not None

    def __str__(self):
        return f"不采用远程异地评标说明（{self.reason_label}）"
