"""Guest-seat bookings (客场机位申请). So far: the filing deadline for an evaluation date."""

from flask import make_response, render_template, request

from ..auth.permissions import permission_required
from ..templating import china_today
from ..workdays.rules import parse_iso_date
from ..workdays.services import deadline_for
from . import bp


@bp.route("/deadline")
@permission_required("calendar.view")
def deadline():
    """An HTML fragment: the latest filing date for an evaluation on ?date=YYYY-MM-DD."""
    text = request.args.get("date", "").strip()
    evaluation_date = parse_iso_date(text)
    if evaluation_date is None:
        message = ("请填写评标日期（格式：YYYY-MM-DD，如 2026-12-03）。" if not text
                   else f"“{text[:20]}”不是有效的评标日期，请按 YYYY-MM-DD 填写 2000—2099 年间的日期。")
        response = make_response(render_template("bookings/_deadline.html", deadline=None, message=message), 400)
    else:
        response = make_response(render_template("bookings/_deadline.html", deadline=deadline_for(evaluation_date),
                                                 today=china_today(), message=None))
    response.vary.add("HX-Request")
    return response
