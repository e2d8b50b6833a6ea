"""Sending and reading notifications. Sending is part of the caller's transaction (flush, no commit)."""
from collections.abc import Iterable

from blinker import Namespace
from flask import current_app
from sqlalchemy import func, select, update

from ..extensions import db
from ..models_base import utcnow
from .models import Notification


# Sent as notified.send(app, user_ids=[...], text=str, link=str, kind=str | None) in the notification's
# transaction, after the rows are added: e-mail notices (portal/mail, a higher layer) queue their e-mails on it.
notification_signals = Namespace()
notified = notification_signals.signal("notified")


def notify(user_ids: Iterable[int], text: str, link: str = "", skip: int | None = None,
           kind: str | None = None) -> int:
    """One notification per distinct user (not `skip`, usually the person who acted); returns how many.

    `kind` names what it is about for the recipients' e-mail choices; by default the feature of the link.
    """
    ids = [uid for uid in dict.fromkeys(user_ids) if uid and uid != skip]
    db.session.add_all([Notification(user_id=uid, text=text[:300], link=link[:300]) for uid in ids])
    if ids:
        notified.send(current_app._get_current_object(), user_ids=ids, text=text[:300], link=link[:300], kind=kind)
    return len(ids)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's unread notifications as read."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount
