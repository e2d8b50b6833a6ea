"""Per-center booking calendars (工位预订日历): one day or one week of a center's booked workstations."""
from datetime import timedelta

from flask import abort, request
from flask_login import current_user

from ...auth.permissions import permission_required, scoped_select
from ...calendar.rules import parse_iso_date
from ...extensions import db
from ...htmx import render
from ...listing import int_arg
from ...orgs.models import TradingCenter
from ...clock import china_today
from .. import access, bp
from ..services import calendars


@bp.route("/calendar")
@permission_required("bookings.calendar")
def calendar():
    """A center's booked workstations for one day or one week (Monday to Sunday)."""
    centers = list(db.session.scalars(scoped_select("bookings.calendar", TradingCenter)
                                      .where(TradingCenter.region_id.is_not(None))
                                      .order_by(TradingCenter.region_id, TradingCenter.level_rank(),
                                                TradingCenter.name)))
    center_id = access.calendar_center_id(current_user, int_arg("center"), [c.id for c in centers])
    center = next((c for c in centers if c.id == center_id), None)
    if center is None:
        abort(404)
    view = "day" if request.args.get("view") == "day" else "week"
    day = parse_iso_date(request.args.get("date")) or china_today()
    first, days = calendars.span(day, view)
    step = timedelta(days=days)
    return render("bookings/calendar.html", "bookings/_calendar.html", center=center, centers=centers, view=view,
                  day=day, first=first, last=first + step - timedelta(days=1), prev=first - step, next=first + step,
                  by_day=calendars.by_day(center.id, first, days),
                  own_use=calendars.own_use_by_day(center.id, first, days),
                  feeds_allowed=access.may_manage_feeds(current_user, center.id))
