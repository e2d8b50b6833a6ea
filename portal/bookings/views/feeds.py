"""Private calendar feeds (日历订阅) of a center's bookings: the staff's feeds page, revoking, and the .ics feed
that calendar programs read by token (they cannot log in)."""
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import get_scoped_or_404, permission_required
from ...extensions import db
from ...orgs.models import TradingCenter
from ...clock import china_today
from .. import access, bp
from ..forms import FeedForm
from ..services import feeds as feed_service
from ..services.common import BookingError
from .common import load_feed


@bp.route("/feeds", methods=["GET", "POST"])
@permission_required("bookings.feeds")
def feeds():
    """The staff's private calendar links for their center: create (shown once) and revoke."""
    center = get_scoped_or_404("bookings.feeds", TradingCenter, access.feeds_center_id(current_user))
    form = FeedForm()
    new_url = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            token = feed_service.create_feed(center, form.label.data)
            db.session.commit()
            # Shown on this answer and never again (only the token's hash is stored): no redirect.
            new_url = url_for("bookings.feed", token=token, _external=True)
            form = FeedForm(formdata=None)
        else:
            status = 422
    return render_template("bookings/feeds.html", center=center, form=form, feeds=feed_service.center_feeds(center.id),
                           new_url=new_url), status


@bp.route("/feeds/<int:feed_id>/revoke", methods=["POST"])
@permission_required("bookings.feeds")
def feed_revoke(feed_id):
    """Revoke one of the center's links."""
    feed = load_feed(feed_id)
    try:
        feed_service.revoke_feed(feed, feed.center)
    except BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("订阅链接已撤销，使用该链接的日历程序将不再收到更新。", "success")
    return redirect(url_for("bookings.feeds"), 303)


@bp.route("/feed/<token>.ics")
def feed(token):
    """The iCalendar feed behind a private link (no login: calendar programs cannot log in)."""
    subscription = feed_service.feed_for_token(token)
    if subscription is None:
        abort(404)
    items = feed_service.feed_requests(subscription.center_id, china_today())
    own_use = feed_service.feed_own_use(subscription.center_id, china_today())
    body = feed_service.ics_calendar(subscription.center, items, own_use)
    center_id = subscription.center_id
    feed_service.touch_feed(subscription)
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="center-{center_id}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
