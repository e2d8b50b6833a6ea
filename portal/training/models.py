"""Training sessions (培训), their audiences, materials and enrolments."""
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import RegionScoped, str_enum, utcnow
from ..orgs.models import Region
from ..publishing import Publishable, PublishedFile
from . import rules
from .rules import EnrolmentStatus, Status

_AUDIENCE_VALUES = ", ".join(f"'{key}'" for key in rules.AUDIENCES)


class TrainingSession(RegionScoped, Publishable, db.Model):
    """One training session held by a region: time, place or online link, capacity, materials."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"capacity BETWEEN 1 AND {rules.MAX_CAPACITY}", name="capacity_range"),
        # The seat count the enrolment UPDATE keeps: never negative, never past capacity.
        CheckConstraint("enrolled >= 0 AND enrolled <= capacity", name="enrolled_within_capacity"),
        CheckConstraint("place IS NOT NULL OR online_url IS NOT NULL", name="has_place_or_link"),
        Index("ix_training_sessions_public", "status", "starts_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)   # the organising region
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[Status] = mapped_column(str_enum(Status, "training_status"), default=Status.DRAFT)
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    region: Mapped[Region] = relationship(lazy="raise")
    audiences: Mapped[list["TrainingAudience"]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                               order_by="TrainingAudience.position")
    materials: Mapped[list["TrainingMaterial"]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                               order_by="TrainingMaterial.id")

    @classmethod
    def public_clause(cls):
        return cls.status.in_([Status.PUBLISHED, Status.CANCELLED])

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled)

    @property
    def audience_keys(self) -> list[str]:
        return [a.audience for a in self.audiences]

    @property
    def audience_text(self) -> str:
        return "、".join(rules.AUDIENCES[a.audience] for a in self.audiences)


class TrainingAudience(db.Model):
    """An audience a session is for; `walk_ins` counts its attendees who did not enrol (e.g. online viewers)."""

    __tablename__ = "training_audiences"
    __table_args__ = (
        CheckConstraint(f"audience IN ({_AUDIENCE_VALUES})", name="known_audience"),
        CheckConstraint("walk_ins >= 0", name="walk_ins_not_negative"),
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    audience: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return rules.AUDIENCES[self.audience]


class TrainingMaterial(PublishedFile, db.Model):
    """A file handed out for a session (课件、讲义); public with the session."""

    __tablename__ = "training_materials"
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)


class Enrolment(db.Model):
    """A person enrolled in a session: an account that enrolled itself, or someone the organiser added."""

    __tablename__ = "training_enrolments"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="one_per_account"),
        CheckConstraint(f"audience IN ({_AUDIENCE_VALUES})", name="known_audience"),
        Index("ix_training_enrolments_session_status", "session_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(80))
    audience: Mapped[str] = mapped_column(String(20))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"),
                                                    default=EnrolmentStatus.ENROLLED)
    attended: Mapped[bool | None] = mapped_column(Boolean)   # None until the organiser records attendance
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[TrainingSession] = relationship(lazy="raise")

    @property
    def audience_label(self) -> str:
        return rules.AUDIENCES.get(self.audience, self.audience)
