"""Notices (公告) and column articles (专栏), their tags and attachments."""
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import RegionScoped, as_utc, str_enum
from ..orgs.models import Region
from ..publishing import Publishable, PublishedFile
from . import rules
from .rules import Status


class Notice(RegionScoped, Publishable, db.Model):
    """An announcement or column article; public once published and its publication time has come."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("status <> 'published' OR publish_at IS NOT NULL", name="published_has_time"),
        Index("ix_notices_public", "status", "publish_at"),
        # The public list's and the home page's order (pinned first, newest first), read in index order: a page
        # of 20 reads 20 rows however many notices there are.
        Index("ix_notices_list_order", "status", "pinned", "publish_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    column: Mapped[str] = mapped_column(String(20), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)  # None: 全省
    search_text: Mapped[str] = mapped_column(Text, default="")   # normalised title, body and tags
    pinned: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Status] = mapped_column(str_enum(Status, "notice_status"), default=Status.DRAFT)
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))   # notices only: who saved last

    region: Mapped[Region | None] = relationship(lazy="raise")
    tags: Mapped[list["NoticeTag"]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                   order_by="NoticeTag.position")
    attachments: Mapped[list["NoticeAttachment"]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                                 order_by="NoticeAttachment.id")

    @classmethod
    def public_clause(cls, now: datetime):
        return (cls.status == Status.PUBLISHED) & (cls.publish_at <= now)

    @property
    def column_label(self) -> str:
        return rules.COLUMNS.get(self.column, self.column)

    def state(self, now: datetime) -> rules.State:
        return rules.state(self.status, as_utc(self.publish_at), now)


class NoticeTag(db.Model):
    """One tag (标签) of a notice; the list filters by it."""

    __tablename__ = "notice_tags"
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class NoticeAttachment(PublishedFile, db.Model):
    """A file attached to a notice (PDF, Office document, image), stored outside the static folder."""

    __tablename__ = "notice_attachments"
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
