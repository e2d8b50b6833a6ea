"""A person's e-mail address and choices, and the outbox (邮件发送队列) the worker delivers from."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import OwnerScoped, str_enum, utcnow
from .rules import Mode, Status


class MailAddress(OwnerScoped, db.Model):
    """The address a person receives notices at (one per account; no row: no e-mail)."""

    __tablename__ = "mail_addresses"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    owner_key = "user_id"


class MailChoice(OwnerScoped, db.Model):
    """How a person wants one kind of notification by e-mail (no row: the kind's default)."""

    __tablename__ = "mail_choices"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[Mode] = mapped_column(str_enum(Mode, "mail_mode"))

    owner_key = "user_id"


class MailMessage(OwnerScoped, db.Model):
    """One e-mail to send, or one notice held for a person's daily digest (bundled into a message later)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        Index("ix_mail_outbox_held", "user_id", "status", "created_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'queued' OR next_attempt_at IS NOT NULL", name="queued_has_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))   # ix_mail_outbox_held
    address: Mapped[str] = mapped_column(String(254), default="")   # set when it is queued to be sent
    kind: Mapped[str] = mapped_column(String(20))                   # a rules.KINDS key, or "digest"
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")      # a path inside the portal
    status: Mapped[Status] = mapped_column(str_enum(Status, "mail_status"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    owner_key = "user_id"
