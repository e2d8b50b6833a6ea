"""Idempotency keys of partner calls: the first answer to a (system, Idempotency-Key) is kept, so a retried POST
gets it again and files nothing twice; the unique constraint settles two retries racing."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models_base import utcnow


class IdempotentAnswer(db.Model):
    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("system_id", "idempotency_key", name="uq_api_idempotency_system_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("partner_systems.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))    # method, path and body of the first call
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
