"""Guest-seat requests (客场机位申请), the workstations booked for them, and the centers' calendar feeds.

A request goes from the main venue (主场) of a tender section to one guest center (客场). When the guest
center accepts it, one Booking row holds each assigned workstation for the evaluation's time range.

Each booking holds its workstation through a WorkstationHold (portal.workstations.models, migration 0015):
the holds table is where the database refuses any two overlapping uses of one workstation — guest bookings,
local evaluations, maintenance and the main venue's sign-ins together. The bookings table keeps its own
older guarantee (migration 0005) among bookings.
"""
import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, str_enum, utcnow
from ..orgs.models import TradingCenter
from ..orgs.scoping import CenterScoped
from ..projects.models import Section
from ..workstations.models import Workstation, WorkstationHold
from .rules import ACTIVE_STATUSES, HOLDING_STATUSES, Status


class SeatRequest(Timestamped, db.Model):
    """A request of the main venue to one guest center for N guest seats (客场机位申请)."""

    __tablename__ = "seat_requests"
    __table_args__ = (
        CheckConstraint("seats_requested >= 1", name="seats_requested_positive"),
        CheckConstraint("seats_accepted IS NULL OR seats_accepted >= 0", name="seats_accepted_not_negative"),
        CheckConstraint("committee_size >= 1", name="committee_size_positive"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_in_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("guest_center_id <> main_center_id", name="guest_is_not_main"),
        # One live request per section and guest center: a double click or a second tab cannot file twice.
        Index("uq_seat_requests_live", "section_id", "guest_center_id", unique=True,
              sqlite_where=db.text("status IN ('draft', 'submitted', 'accepted', 'partly_accepted')"),
              postgresql_where=db.text("status IN ('draft', 'submitted', 'accepted', 'partly_accepted')")),
        Index("ix_seat_requests_guest_status", "guest_center_id", "status", "evaluation_date"),
        Index("ix_seat_requests_main_status", "main_center_id", "status", "evaluation_date"),
        Index("ix_seat_requests_status_date", "status", "evaluation_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="RESTRICT"), index=True)
    main_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    guest_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    # Across provinces (the guest center is in another province than the main venue): partner rule applies.
    cross_province: Mapped[bool] = mapped_column(Boolean, default=False)
    # Inbound (跨省副场, migration 0026): another province's main venue asked this portal's guest center; the
    # guest center's staff registered the request as received and act for the main side (which has no staff
    # here), as the main center's staff answer for a guest center of another province.
    inbound: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    partner_contact: Mapped[str | None] = mapped_column(String(200))    # the main venue's contact, as given
    partner_reference: Mapped[str | None] = mapped_column(String(60))   # the partner's application number
    # Filed by a partner system through the API (issue 25, migration 0032): its changes go to its outbox.
    partner_system_id: Mapped[int | None] = mapped_column(ForeignKey("partner_systems.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[Status] = mapped_column(str_enum(Status, "seat_request_status"), default=Status.DRAFT)
    # The evaluation as China wall-clock time, and the same range as UTC instants for overlap checks.
    evaluation_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    committee_size: Mapped[int] = mapped_column(Integer)
    seats_requested: Mapped[int] = mapped_column(Integer)      # guest experts at this guest center
    seats_accepted: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(String(500))
    # The filing deadline as it was computed when the request was submitted (which calendar it used).
    latest_filing_date: Mapped[date | None] = mapped_column(Date)
    deadline_rule: Mapped[str | None] = mapped_column(String(100))
    deadline_calendar: Mapped[str | None] = mapped_column(String(200))
    deadline_version: Mapped[str | None] = mapped_column(String(12))   # calendar_version() the deadline used
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(500))   # of the last rejection, cancellation or change
    # Bumped by every change: a page showing an older version cannot act on the request (stale page).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # How many times the request was changed after acceptance and sent back for confirmation.
    revision: Mapped[int] = mapped_column(Integer, default=0)

    section: Mapped[Section] = relationship(lazy="raise")
    main_center: Mapped[TradingCenter] = relationship(foreign_keys=[main_center_id], lazy="raise")
    guest_center: Mapped[TradingCenter] = relationship(foreign_keys=[guest_center_id], lazy="raise")
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="raise")
    answered_by = relationship("User", foreign_keys=[answered_by_id], lazy="raise")
    specialty_links: Mapped[list["SeatRequestSpecialty"]] = relationship(
        back_populates="request", lazy="raise", order_by="SeatRequestSpecialty.position",
        cascade="all, delete-orphan")
    bookings: Mapped[list["Booking"]] = relationship(back_populates="request", lazy="raise",
                                                     order_by="Booking.id")

    @property
    def number(self) -> str:
        """The number people quote on the phone: KC + year filed + id (it never changes)."""
        if not self.id:
            return "（未保存）"
        return f"KC{(self.created_at or utcnow()).year}-{self.id:05d}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holds_seats(self) -> bool:
        return self.status in HOLDING_STATUSES

    def __str__(self):
        return f"客场机位申请 {self.number}"

    # --- scoping (portal.auth.permissions) ---------------------------------------------------------------
    @classmethod
    def owner_clause(cls, user_id):
        """An agent's requests: those of the sections of the projects the agent registered."""
        return cls.section_id.in_(select(Section.id).where(Section.owner_clause(user_id)))

    @classmethod
    def center_clause(cls, center_id):
        """The main center's requests, and the guest center's once filed (a draft is the main side's own)."""
        return or_(cls.main_center_id == center_id,
                   (cls.guest_center_id == center_id) & (cls.status != Status.DRAFT))

    @classmethod
    def center_clause_for(cls, action: str, center_id):
        """Which side a center's staff act on: the main side files, the guest side answers.

        A guest center of another province has no staff here; the main center records its answer. A main venue
        of another province neither: for an inbound request the guest center's staff act for the main side.
        """
        if action in ("bookings.request", "bookings.inbound"):
            return or_(cls.main_center_id == center_id, cls.inbound.is_(True) & (cls.guest_center_id == center_id))
        if action == "bookings.answer":
            return or_((cls.guest_center_id == center_id) & (cls.status != Status.DRAFT),
                       (cls.cross_province.is_(True)) & (cls.main_center_id == center_id))
        return cls.center_clause(center_id)

    @classmethod
    def region_clause(cls, region_id):
        in_region = select(TradingCenter.id).where(TradingCenter.region_id == region_id)
        return or_(cls.main_center_id.in_(in_region),
                   cls.guest_center_id.in_(in_region) & (cls.status != Status.DRAFT))


class SeatRequestSpecialty(db.Model):
    """A specialty the guest experts must hold (客场专家的专业条件), in the order the requester chose."""

    __tablename__ = "seat_request_specialties"
    __table_args__ = (UniqueConstraint("request_id", "position", name="uq_seat_request_specialty_position"),)
    request_id: Mapped[int] = mapped_column(ForeignKey("seat_requests.id", ondelete="CASCADE"), primary_key=True)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    request: Mapped[SeatRequest] = relationship(back_populates="specialty_links", lazy="raise")
    specialty = relationship("Specialty", lazy="raise")


class Booking(CenterScoped, db.Model):
    """One workstation held for one accepted request (机位占用). Released bookings stay, inactive."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("active OR released_at IS NOT NULL", name="released_has_date"),
        Index("ix_bookings_workstation_starts", "workstation_id", "starts_at"),
        Index("ix_bookings_center_starts", "center_id", "starts_at"),
        # A request holds a workstation once.
        Index("uq_bookings_hold_id", "hold_id", unique=True),
        Index("uq_bookings_request_workstation_active", "request_id", "workstation_id", unique=True,
              sqlite_where=db.text("active"), postgresql_where=db.text("active")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("seat_requests.id", ondelete="RESTRICT"), index=True)
    workstation_id: Mapped[int] = mapped_column(ForeignKey("workstations.id", ondelete="RESTRICT"))
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_reason: Mapped[str | None] = mapped_column(String(200))
    # The workstation hold this booking keeps (active exactly as long as the booking is).
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("workstation_holds.id"))

    request: Mapped[SeatRequest] = relationship(back_populates="bookings", lazy="raise")
    workstation: Mapped[Workstation] = relationship(lazy="raise")
    hold: Mapped[WorkstationHold | None] = relationship(lazy="raise")


class CalendarFeed(CenterScoped, db.Model):
    """A private iCalendar subscription of one center's bookings; only the token's hash is stored."""

    __tablename__ = "calendar_feeds"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    center: Mapped[TradingCenter] = relationship(lazy="raise")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")

    def __str__(self):
        return f"日历订阅：{self.label}"


class ChangeStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"pending": "待客场确认", "accepted": "已接受", "rejected": "已拒绝", "withdrawn": "已撤回"}[self.value]


class SeatChange(db.Model):
    """A change request (场地变更) of an accepted booking: a new date, time or seat count, linked to the original.

    The original keeps its workstations until the guest center accepts the change; then, in one transaction,
    the old holds are released and the new ones taken (portal.bookings.services.changes).
    """

    __tablename__ = "seat_changes"
    __table_args__ = (
        CheckConstraint("seats_requested >= 1", name="seats_requested_positive"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_in_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status = 'pending' OR answered_at IS NOT NULL", name="answered_has_date"),
        CheckConstraint("status <> 'rejected' OR answer_reason IS NOT NULL", name="rejected_has_reason"),
        # A change into the filing window is accepted only with the guest center's recorded agreement.
        CheckConstraint("status <> 'accepted' OR NOT late OR late_agreed", name="late_needs_agreement"),
        # One open change per booking at a time.
        Index("uq_seat_changes_pending", "request_id", unique=True,
              sqlite_where=db.text("status = 'pending'"), postgresql_where=db.text("status = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("seat_requests.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ChangeStatus] = mapped_column(str_enum(ChangeStatus, "seat_change_status"),
                                                 default=ChangeStatus.PENDING)
    # The original as it stood when the change was asked for, and what is asked for now.
    old_evaluation_date: Mapped[date] = mapped_column(Date)
    old_start_time: Mapped[time] = mapped_column(Time)
    old_duration_minutes: Mapped[int] = mapped_column(Integer)
    old_seats: Mapped[int] = mapped_column(Integer)
    evaluation_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seats_requested: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    # Inside the filing window (later than the latest filing date): only with the guest center's agreement.
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    latest_filing_date: Mapped[date | None] = mapped_column(Date)
    late_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_reason: Mapped[str | None] = mapped_column(String(500))
    seats_accepted: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[SeatRequest] = relationship(lazy="raise")

    @property
    def number(self) -> str:
        return f"BG{(self.created_at or utcnow()).year}-{self.id:05d}" if self.id else "（未保存）"

    def __str__(self):
        return f"场地变更 {self.number}"
