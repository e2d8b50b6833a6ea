"""The evaluation day and after (评标当日与事后): the committee, its venues, the draws, sign-in, duties,
incidents, violation clues, hand-over and fees.

An Evaluation belongs to one tender section that goes remote. Its venues are the main venue (主场, the
section's main center) and one guest venue (客场) per accepted seat request. Each venue draws its own experts;
a CommitteeMember row is one drawn expert at one venue, carrying the sign-in, signatures and the fee.
"""
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
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import Timestamped, str_enum, utcnow
from ..orgs.models import TradingCenter
from ..projects.models import Project, Section
from .rules import ReplaceReason

Money = Numeric(10, 2)


class Evaluation(Timestamped, db.Model):
    """One section's remote evaluation: the committee the main venue fixed and what happened on the day."""

    __tablename__ = "evaluations"
    __table_args__ = (
        CheckConstraint("committee_size >= 5 AND committee_size % 2 = 1", name="committee_odd_5_or_more"),
        CheckConstraint("tenderee_reps >= 0 AND (committee_size - tenderee_reps) * 3 >= committee_size * 2",
                        name="experts_two_thirds"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 720", name="duration_in_range"),
        CheckConstraint("winner_determined_on IS NULL OR ended_at IS NOT NULL", name="winner_after_end"),
        # The deadlines board and the workbench find payments due (or overdue) by date, not by reading every row.
        Index("ix_evaluations_payment_due", "payment_due"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="RESTRICT"), unique=True)
    main_center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    evaluation_date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    committee_size: Mapped[int] = mapped_column(Integer)
    tenderee_reps: Mapped[int] = mapped_column(Integer, default=0)
    bidders: Mapped[str] = mapped_column(Text, default="")                    # one per line (avoidance)
    supervising_department: Mapped[str | None] = mapped_column(String(200))  # its staff may not sit
    avoid_months: Mapped[int] = mapped_column(Integer, default=12)
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    winner_determined_on: Mapped[date | None] = mapped_column(Date)
    winner_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payment_due: Mapped[date | None] = mapped_column(Date)        # 3 working days after the end instruction
    # The calendar version (calendar.rules.calendar_version) the payment and hand-over due dates were counted by.
    due_calendar_version: Mapped[str | None] = mapped_column(String(12))
    # Bumped by every change of the day (sign-in, signatures, end): the live board reloads when it moves.
    version: Mapped[int] = mapped_column(Integer, default=1)

    section: Mapped[Section] = relationship(lazy="raise")
    main_center: Mapped[TradingCenter] = relationship(lazy="raise")
    venues: Mapped[list["EvaluationVenue"]] = relationship(back_populates="evaluation", lazy="raise",
                                                 order_by="(EvaluationVenue.is_main.desc(), EvaluationVenue.id)",
                                                 cascade="all, delete-orphan")

    def __str__(self):
        return f"评标 #{self.id}（{self.evaluation_date:%Y-%m-%d}）"

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def experts_total(self) -> int:
        return self.committee_size - self.tenderee_reps

    @property
    def stage(self) -> str:
        if self.winner_determined_on:
            return "已确定中标人"
        if self.ended_at:
            return "评审已结束"
        return "准备中"

    # --- scoping (portal.auth.permissions) ---------------------------------------------------------------
    @classmethod
    def owner_clause(cls, user_id):
        """The agent's: evaluations of the sections the agent registered."""
        return cls.section_id.in_(select(Section.id).where(Section.owner_clause(user_id)))

    @classmethod
    def center_clause(cls, center_id):
        """Staff of the main venue and of every guest venue."""
        return or_(cls.main_center_id == center_id,
                   cls.id.in_(select(EvaluationVenue.evaluation_id).where(EvaluationVenue.center_id == center_id)))

    @classmethod
    def center_clause_for(cls, action: str, center_id):
        if action == "evaluation.manage":
            # The main center's; another province's evaluation hosted here: the host's (access.hosts_inbound).
            hosted = select(Section.id).where(Section.project_id.in_(
                select(Project.id).where(Project.host_center_id == center_id)))
            return or_(cls.main_center_id == center_id, cls.section_id.in_(hosted))
        return cls.center_clause(center_id)

    @classmethod
    def region_clause(cls, region_id):
        in_region = select(TradingCenter.id).where(TradingCenter.region_id == region_id)
        return or_(cls.main_center_id.in_(in_region),
                   cls.section_id.in_(select(Section.id).where(Section.region_clause(region_id))),
                   cls.id.in_(select(EvaluationVenue.evaluation_id).where(EvaluationVenue.center_id.in_(in_region))))


class EvaluationVenue(db.Model):
    """A venue of the evaluation: the main venue, or a guest venue holding the seats of one seat request."""

    __tablename__ = "evaluation_venues"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "center_id"),
        CheckConstraint("experts_needed >= 0", name="experts_not_negative"),
        CheckConstraint("is_main OR seat_request_id IS NOT NULL", name="guest_has_request"),
        CheckConstraint("received_at IS NULL OR handed_over_at IS NOT NULL", name="received_after_handed"),
        # An external guest venue's records (migration 0028): the partner's sign-in count, what is owed, the payment.
        CheckConstraint("signed_in_count IS NULL OR signed_in_count >= 0", name="signed_in_count_not_negative"),
        CheckConstraint("signed_in_count IS NULL OR (signed_in_at IS NOT NULL AND signed_in_contact IS NOT NULL)",
                        name="signed_in_confirmed"),
        CheckConstraint("owed_yuan IS NULL OR owed_yuan >= 0", name="owed_not_negative"),
        CheckConstraint("paid_yuan IS NULL OR paid_yuan >= 0", name="paid_not_negative"),
        CheckConstraint("paid_at IS NULL OR (paid_yuan IS NOT NULL AND paid_on IS NOT NULL)", name="paid_amount"),
        Index("uq_evaluation_venues_main", "evaluation_id", unique=True,
              sqlite_where=db.text("is_main"), postgresql_where=db.text("is_main")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    center_id: Mapped[int] = mapped_column(ForeignKey("trading_centers.id"), index=True)
    seat_request_id: Mapped[int | None] = mapped_column(ForeignKey("seat_requests.id", ondelete="RESTRICT"),
                                                        unique=True)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    experts_needed: Mapped[int] = mapped_column(Integer, default=0)
    # Hand-over (资料移交) of a guest venue to the main venue, due 3 working days after the evaluation.
    handover_due: Mapped[date | None] = mapped_column(Date)
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_note: Mapped[str | None] = mapped_column(String(500))
    # An external guest venue (外省客场: a partner province's center, its experts drawn and signed in by the
    # partner): the sign-in as the partner confirmed it — how many and when, and who at the partner confirmed
    # it (a contact's name and phone as typed). The experts' names stay the partner's: never asked, never stored.
    signed_in_count: Mapped[int | None] = mapped_column(Integer)
    signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_in_contact: Mapped[str | None] = mapped_column(String(100))
    signed_in_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_in_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What is owed to its experts together (confirmed count x the partner center's fee and meal standard), fixed
    # at the end instruction or when the count is confirmed after it; and the agent's one payment of it.
    owed_yuan: Mapped[Decimal | None] = mapped_column(Money)
    owed_basis: Mapped[str | None] = mapped_column(String(300))
    paid_yuan: Mapped[Decimal | None] = mapped_column(Money)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))   # when the payment was recorded
    paid_on: Mapped[date | None] = mapped_column(Date)                          # the day it was paid
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payment_ref: Mapped[str | None] = mapped_column(String(100))

    evaluation: Mapped[Evaluation] = relationship(back_populates="venues", lazy="raise")
    center: Mapped[TradingCenter] = relationship(lazy="raise")
    needs: Mapped[list["VenueNeed"]] = relationship(back_populates="venue", lazy="raise",
                                                    order_by="VenueNeed.id", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return ("主场" if self.is_main else "客场") + f"（{self.center.short_name or self.center.name}）"

    @property
    def external(self) -> bool:
        """A guest venue of another province (外省客场): its center belongs to no Jilin region (center loaded)."""
        return not self.is_main and self.center.region_id is None

    @property
    def owed_total(self) -> Decimal | None:
        """What its experts are owed together (None until the count is confirmed and a standard known)."""
        return self.owed_yuan

    def __str__(self):
        return self.label


class VenueNeed(db.Model):
    """How many experts of one specialty a venue draws (抽取条件)."""

    __tablename__ = "evaluation_venue_needs"
    __table_args__ = (UniqueConstraint("venue_id", "specialty_id"), CheckConstraint("count >= 1", name="count_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"))
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"))
    count: Mapped[int] = mapped_column(Integer)

    venue: Mapped[EvaluationVenue] = relationship(back_populates="needs", lazy="raise")
    specialty = relationship("Specialty", lazy="raise")


class ExpertDraw(db.Model):
    """One random draw (随机抽取): the seed and the ordered candidate list let anyone re-run it."""

    __tablename__ = "expert_draws"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count_positive"),
        # A seat replaced twice is replaced a third time only with a supervisor's approval (migration 0017 adds
        # it as a CHECK on PostgreSQL and as a trigger on SQLite, which cannot add a CHECK to a table).
        CheckConstraint("replacement_round IS NULL OR replacement_round <= 2 OR approval_id IS NOT NULL",
                        name="third_replacement_approved"),
        Index("uq_expert_draws_approval", "approval_id", unique=True),   # an approval allows one replacement
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"), index=True)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"))
    count: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    candidate_ids: Mapped[str] = mapped_column(Text)    # JSON list, ascending: the eligible experts
    chosen_ids: Mapped[str] = mapped_column(Text)       # JSON list, in drawing order
    excluded: Mapped[str] = mapped_column(Text, default="{}")   # JSON {avoidance reason: how many}
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaces_member_id: Mapped[int | None] = mapped_column(Integer)   # the member replaced (no FK: a cycle)
    reason: Mapped[str | None] = mapped_column(String(300))
    # JSON [[expert id, avoidance reason], ...] ascending: every excluded expert (None: drawn before 0017)
    excluded_ids: Mapped[str | None] = mapped_column(Text)
    # 1, 2, 3 ...: the how-manieth replacement of the seat this draw fills (None: not a replacement)
    replacement_round: Mapped[int | None] = mapped_column(Integer)
    approval_id: Mapped[int | None] = mapped_column(Integer)   # the supervisor's approval used (no FK: a cycle)

    venue: Mapped[EvaluationVenue] = relationship(lazy="raise")
    specialty = relationship("Specialty", lazy="raise")
    drawn_by = relationship("User", foreign_keys=[drawn_by_id], lazy="raise")


class ApprovalStatus:
    PENDING = "pending"      # asked, waiting for a supervisor
    APPROVED = "approved"    # a supervisor agreed: the venue may replace the seat once more
    REFUSED = "refused"
    USED = "used"            # the replacement it allowed was drawn


class ReplacementApproval(db.Model):
    """A venue asks the project's supervisors to allow a further replacement of a seat replaced twice."""

    __tablename__ = "replacement_approvals"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'refused', 'used')", name="status_known"),
        CheckConstraint("replacement_round > 2", name="beyond_the_free_ones"),
        CheckConstraint("status = 'pending' OR (decided_at IS NOT NULL AND decided_by_id IS NOT NULL)",
                        name="decided_by_someone"),
        # One open request (pending or approved, not yet used) per seated member.
        Index("uq_replacement_approvals_open", "member_id", unique=True,
              sqlite_where=db.text("status IN ('pending', 'approved')"),
              postgresql_where=db.text("status IN ('pending', 'approved')")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_members.id", ondelete="CASCADE"))
    replacement_round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReplaceReason] = mapped_column(str_enum(ReplaceReason, "approval_reason"))
    reason: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=ApprovalStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(String(300))

    member: Mapped["CommitteeMember"] = relationship(lazy="raise")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="raise")

    @property
    def status_label(self) -> str:
        return {"pending": "待行政监督部门审批", "approved": "已同意，可更换", "refused": "未同意",
                "used": "已按同意更换"}[self.status]


class MemberStatus:
    SEATED = "seated"        # drawn and serving
    REPLACED = "replaced"    # declined, absent or conflicted; another was drawn in their place


class CommitteeMember(db.Model):
    """A drawn expert at one venue: sign-in, signatures, fee and payment. Confidential until the winner."""

    __tablename__ = "committee_members"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "expert_id"),
        UniqueConstraint("venue_id", "seat_no"),
        CheckConstraint("status IN ('seated', 'replaced')", name="status_known"),
        CheckConstraint("status <> 'replaced' OR replaced_reason IS NOT NULL", name="replaced_has_reason"),
        CheckConstraint("signed_in_at IS NULL OR (id_verified AND photo_checked AND phone_in_custody "
                        "AND no_conflict_declared AND workstation_id IS NOT NULL)", name="signed_in_checked"),
        CheckConstraint("paid_at IS NULL OR paid_yuan >= 0", name="paid_amount"),
        # A workstation seats one expert of an evaluation.
        Index("uq_committee_members_workstation", "evaluation_id", "workstation_id", unique=True,
              sqlite_where=db.text("status = 'seated' AND workstation_id IS NOT NULL"),
              postgresql_where=db.text("status = 'seated' AND workstation_id IS NOT NULL")),
        Index("ix_committee_members_expert", "expert_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="RESTRICT"))
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id", ondelete="RESTRICT"))
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draws.id", ondelete="RESTRICT"))
    seat_no: Mapped[int] = mapped_column(Integer)        # 1, 2, ... per venue: how others refer to the member
    status: Mapped[str] = mapped_column(String(10), default=MemberStatus.SEATED)
    replaced_reason: Mapped[str | None] = mapped_column(String(300))
    replaced_kind: Mapped[ReplaceReason | None] = mapped_column(str_enum(ReplaceReason, "replace_reason"))
    # Sign-in (身份核验与签到)
    id_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_in_custody: Mapped[bool] = mapped_column(Boolean, default=False)
    no_conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    workstation_id: Mapped[int | None] = mapped_column(ForeignKey("workstations.id", ondelete="RESTRICT"))
    signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A main-venue member's workstation is held for the evaluation from sign-in (a guest venue's is booked).
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("workstation_holds.id"))
    signed_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Signatures (个人评审表、评标汇总表、评标报告)
    review_form_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Fees (劳务费与就餐费), computed at the end instruction; payment confirmed by the agent
    fee_yuan: Mapped[Decimal | None] = mapped_column(Money)
    meal_yuan: Mapped[Decimal | None] = mapped_column(Money)
    fee_basis: Mapped[str | None] = mapped_column(String(300))
    paid_yuan: Mapped[Decimal | None] = mapped_column(Money)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))   # when the payment was recorded
    paid_on: Mapped[date | None] = mapped_column(Date)                          # the day it was paid
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payment_ref: Mapped[str | None] = mapped_column(String(100))

    venue: Mapped[EvaluationVenue] = relationship(lazy="raise")
    expert = relationship("Expert", lazy="raise")
    specialty = relationship("Specialty", lazy="raise")
    workstation = relationship("Workstation", lazy="raise")

    @property
    def seated(self) -> bool:
        return self.status == MemberStatus.SEATED

    @property
    def signed(self) -> tuple[bool, bool, bool]:
        return (self.review_form_signed_at is not None, self.summary_signed_at is not None,
                self.report_signed_at is not None)

    @property
    def owed_total(self) -> Decimal | None:
        return None if self.fee_yuan is None else self.fee_yuan + (self.meal_yuan or 0)

    def __str__(self):
        # Never the name: audit entries and messages name a member by venue and seat number.
        return f"评委席位 {self.seat_no}"


class DutyItem(db.Model):
    """A ticked item of a guest venue's duty checklist (副场保障), with who and when."""

    __tablename__ = "evaluation_duties"
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(20), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(300))

    done_by = relationship("User", lazy="raise")


class Incident(db.Model):
    """An incident (突发情况) at a venue: what, when, its effect and handling, and when work resumed."""

    __tablename__ = "evaluation_incidents"
    __table_args__ = (
        CheckConstraint("kind IN ('power', 'network', 'device', 'workstation', 'system', 'other')", name="kind_known"),
        CheckConstraint("resumed_at IS NULL OR resumed_at >= occurred_at", name="resumed_after"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    effect: Mapped[str] = mapped_column(String(500))
    handling: Mapped[str | None] = mapped_column(String(500))
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    venue: Mapped[EvaluationVenue] = relationship(lazy="raise")


class Clue(db.Model):
    """A suspected violation (违法违规线索) the guest venue transfers to the main venue, and its report."""

    __tablename__ = "evaluation_clues"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reported_to: Mapped[str | None] = mapped_column(String(200))
    report_note: Mapped[str | None] = mapped_column(String(500))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    venue: Mapped[EvaluationVenue] = relationship(lazy="raise")
    attachments: Mapped[list["Attachment"]] = relationship(lazy="raise", order_by="Attachment.id",
                                                           primaryjoin="Clue.id == Attachment.clue_id",
                                                           viewonly=True)


class HandoverItem(db.Model):
    """One kind of material a guest venue hands over (见证记录、专家考核记录、音视频资料)."""

    __tablename__ = "evaluation_handover_items"
    __table_args__ = (
        UniqueConstraint("venue_id", "kind"),
        CheckConstraint("kind IN ('witness', 'assessment', 'av')", name="kind_known"),
        CheckConstraint("mode IN ('file', 'physical')", name="mode_known"),
        CheckConstraint("mode <> 'physical' OR reference IS NOT NULL", name="physical_has_reference"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("evaluation_venues.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(200))   # e.g. the transfer slip number, the disk label
    handed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    attachments: Mapped[list["Attachment"]] = relationship(lazy="raise", order_by="Attachment.id",
                                                           primaryjoin="HandoverItem.id == Attachment.handover_item_id",
                                                           viewonly=True)


class Attachment(db.Model):
    """A stored file of a clue or a hand-over item, under a random name outside the static folder."""

    __tablename__ = "evaluation_attachments"
    __table_args__ = (
        CheckConstraint("(clue_id IS NULL) <> (handover_item_id IS NULL)", name="one_owner"),
        CheckConstraint("size > 0", name="not_empty"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    clue_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_clues.id", ondelete="CASCADE"), index=True)
    handover_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_handover_items.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    mimetype: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
