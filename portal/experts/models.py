"""The expert pool (评标专家库): the specialty tree, expert records, their specialties, shortage minimums."""
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from ..fieldcrypt import Encrypted, blind_index, blind_index_default
from ..models_base import RegionScoped, Timestamped, str_enum
from ..orgs.models import Region
from .rules import MAX_SPECIALTIES, ShareScope, Status, mask_id_number, mask_phone


class Specialty(Timestamped, db.Model):
    """A node of the classification: category (A), specialty (A01) or sub-specialty (A0101)."""
    __tablename__ = "specialties"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        CheckConstraint("(level = 1) = (parent_id IS NULL)", name="only_categories_are_roots"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return f"{self.code} {self.name}"


ID_NUMBER, PHONE = "experts.id_number", "experts.phone"      # the encrypted columns' purposes
BLIND_INDEXED = {"id_number": ID_NUMBER, "phone": PHONE}


class Expert(RegionScoped, Timestamped, db.Model):
    """One expert of a region's pool. Personal fields are for the owning region and provincial admins only."""
    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint("status <> 'suspended' OR suspended_reason IS NOT NULL", name="suspension_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(30))
    # Encrypted at rest (portal/fieldcrypt.py, migration 0029); equality goes through the blind indexes, which
    # @validates keeps in step on every assignment (and the column defaults on a Core insert).
    id_number: Mapped[str] = mapped_column(Encrypted(ID_NUMBER))
    id_number_bidx: Mapped[str] = mapped_column(String(64), unique=True,
                                                default=blind_index_default("id_number", ID_NUMBER))
    phone: Mapped[str] = mapped_column(Encrypted(PHONE))
    phone_bidx: Mapped[str] = mapped_column(String(64), index=True, default=blind_index_default("phone", PHONE))
    employer: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(40))       # 职称, e.g. 高级工程师
    status: Mapped[Status] = mapped_column(str_enum(Status, "expert_status"), default=Status.ACTIVE, index=True)
    suspended_reason: Mapped[str | None] = mapped_column(String(200))
    suspended_until: Mapped[date | None] = mapped_column(Date)
    share_scope: Mapped[ShareScope] = mapped_column(str_enum(ShareScope, "share_scope"), default=ShareScope.PROVINCE)

    region: Mapped[Region] = relationship(lazy="raise")
    specialty_links: Mapped[list["ExpertSpecialty"]] = relationship(
        back_populates="expert", lazy="raise", cascade="all, delete-orphan", order_by="ExpertSpecialty.position")

    @validates("id_number", "phone")
    def _keep_blind_index(self, key, value):
        setattr(self, f"{key}_bidx", None if value is None else blind_index(BLIND_INDEXED[key], value))
        return value

    @classmethod
    def id_number_is(cls, number: str):
        """The clause finding the expert with this ID number (through its blind index)."""
        return cls.id_number_bidx == blind_index(ID_NUMBER, number)

    @classmethod
    def phone_is(cls, phone: str):
        return cls.phone_bidx == blind_index(PHONE, phone)

    def __str__(self):
        # Audit labels and logs name an expert by id and masked number, never by name.
        return f"专家 #{self.id}（{self.masked_id}）"

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    # An expert belongs to a region's pool: no center's staff and no agent reach the records themselves.
    @classmethod
    def center_clause(cls, center_id):
        return false()

    @classmethod
    def owner_clause(cls, user_id):
        return false()


class ExpertSpecialty(db.Model):
    """An expert's specialty; positions 1..5, so the database itself holds at most five per expert."""
    __tablename__ = "expert_specialties"
    __table_args__ = (
        UniqueConstraint("expert_id", "specialty_id"),
        UniqueConstraint("expert_id", "position"),
        CheckConstraint(f"position BETWEEN 1 AND {MAX_SPECIALTIES}", name="at_most_five"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"))
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    expert: Mapped[Expert] = relationship(back_populates="specialty_links", lazy="raise")
    specialty: Mapped[Specialty] = relationship(lazy="raise")


class SpecialtyMinimum(db.Model):
    """How many available experts of a specialty the province wants (until demand comes from requests)."""
    __tablename__ = "specialty_minimums"
    __table_args__ = (CheckConstraint("minimum >= 0", name="not_negative"),)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="CASCADE"), primary_key=True)
    minimum: Mapped[int] = mapped_column(Integer)


class PoolVersion(db.Model):
    """A counter every change of the pool (experts, their specialties, the tree) increments in its own
    transaction: the catalogue's cached counts are valid as long as it has not moved."""

    __tablename__ = "expert_pool_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    n: Mapped[int] = mapped_column(Integer, default=0)
