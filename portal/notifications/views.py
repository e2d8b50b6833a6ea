"""Notification list, the unread badge (loaded by htmx so that pages keep their query counts), marking read."""
from flask import redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..htmx import fragment, render
from ..listing import paginate
from ..models_base import valid_id
from . import bp, services
from .models import Notification


@bp.route("/")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render("notifications/index.html", "notifications/_list.html", page=page, unread_only=unread_only,
                  unread=services.unread_count(current_user.id))


@bp.route("/badge")
@login_required
def badge():
    """The nav badge: the number of unread notifications (polled by htmx)."""
    return fragment("notifications/_badge.html",
                  unread=services.unread_count(current_user.id))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id):
    """Mark one notification read and go to what it is about (only the recipient's own)."""
    notification = db.get_or_404(Notification, valid_id(notification_id) or 0)
    if notification.user_id != current_user.id:
        return redirect(url_for("notifications.index"), 303)
    services.mark_read(current_user.id, notification.id)
    db.session.commit()
    link = notification.link if notification.link.startswith("/") and not notification.link.startswith("//") \
        else url_for("notifications.index")
    return redirect(link, 303)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    services.mark_read(current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"), 303)
