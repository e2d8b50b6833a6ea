"""Cross-province cooperation (跨省合作): pairings (对口合作) and joint testing (联调联试)."""
import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..fieldcrypt import Encrypted
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


# --- Partner systems (系统对接, issue 25) -------------------------------------------------------------------

class PartnerSystem(Timestamped, db.Model):
    """Another platform that files and follows guest-seat requests by machine (合作方系统): the partner
    center(s) it speaks for, its callback address and a service account under which its calls are audited."""

    __tablename__ = "partner_systems"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    callback_url: Mapped[str | None] = mapped_column(String(300))
    # Another portal of this kind (federation): its base URL. Requests filed here to the centers it speaks for
    # are sent to its API; its answers come back to this portal's /api/v1/partner-events.
    remote_url: Mapped[str | None] = mapped_column(String(300))
    # The account the system's calls act as (with a random password nobody knows); audit entries name it.
    account_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(String(500))

    centers: Mapped[list[TradingCenter]] = relationship(
        secondary="partner_system_centers", viewonly=True, lazy="raise", order_by="TradingCenter.name")
    keys: Mapped[list["ApiKey"]] = relationship(back_populates="system", lazy="raise", order_by="ApiKey.id")

    def __str__(self):
        return self.name


class PartnerSystemCenter(db.Model):
    """A partner center (外省交易中心) a partner system speaks for."""

    __tablename__ = "partner_system_centers"
    system_id: Mapped[int] = mapped_column(ForeignKey("partner_systems.id", ondelete="CASCADE"), primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), primary_key=True, index=True)


class ApiKey(db.Model):
    """An API key of a partner system: `<key id>.<secret>`, shown once. The key id is public (X-Api-Key); the
    secret is kept as its SHA-256 and, because checking an HMAC needs the key itself, encrypted with the field
    keys (portal/fieldcrypt.py) — never in clear."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("partner_systems.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    secret_encrypted: Mapped[str] = mapped_column(Encrypted("api_keys.secret"))
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    system: Mapped[PartnerSystem] = relationship(back_populates="keys", lazy="raise")

    def usable_on(self, today: date) -> bool:
        return self.revoked_at is None and today <= self.expires_on


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "待发送", "sending": "发送中", "delivered": "已送达", "failed": "发送失败"}[self.value]


class OutboxEvent(db.Model):
    """An event for a partner system's callback (发往合作方的通知), written in the transaction of the change it
    tells, delivered by `flask --app portal outbox run` (retried with growing delays)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("partner_systems.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)   # the seat request it is about
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)        # the JSON body sent
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
