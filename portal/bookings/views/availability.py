"""The availability search (查找可用客场): which centers have enough free workstations and experts, best first.

The filing page embeds the same search (its form's fields drive it), so the helpers here serve both.
"""
from datetime import time

from flask import request
from sqlalchemy import select

from ...auth.permissions import permission_required
from ...calendar.rules import parse_iso_date
from ...experts.models import Specialty
from ...extensions import db
from ...htmx import render
from ...models_base import valid_id
from ...projects.models import Section
from .. import bp
from ..rules import DEFAULT_DURATION, DURATION_CHOICES, MAX_SEATS
from ..services import availability as seats
from .common import load_section, specialty_choices


@bp.route("/availability")
@permission_required("bookings.request")
def availability():
    """Which centers have enough free workstations and experts for the evaluation, best fit first."""
    section = load_section(request.args.get("section"))
    context = search_context(section, search_args(section))
    return render("bookings/availability.html", "bookings/_availability.html", section=section,
                  specialty_choices=specialty_choices(), **context)


def search_args(section: Section | None) -> dict:
    """The search's inputs from the query string (the availability page or the filing form's fields)."""
    args = request.args
    day = parse_iso_date(args.get("evaluation_date")) or (section.evaluation_date if section else None)
    try:
        start = time.fromisoformat(args.get("start_time", "")[:5])
    except ValueError:
        start = (section.start_time if section else None) or time(9, 0)
    minutes = args.get("duration_minutes", type=int)
    if minutes not in dict(DURATION_CHOICES):
        minutes = DEFAULT_DURATION
    seats_text = args.get("seats") or args.get("guests-0-seats") or "1"
    count = int(seats_text) if seats_text.isascii() and seats_text.isdigit() and len(seats_text) <= 3 else 1
    wanted = args.getlist("specialty_ids") or args.getlist("guests-0-specialty_ids")
    ids = [i for i in (valid_id(w) for w in wanted) if i is not None][:5]
    scope = args.get("scope", "")
    return {"evaluation_date": day, "start_time": start, "duration_minutes": minutes,
            "seats": min(max(count, 1), MAX_SEATS), "specialty_ids": ids,
            "scope": scope if scope in ("", "in", "cross") else ""}


def search_context(section: Section, params: dict, candidates=None) -> dict:
    """What _availability.html shows for these inputs: the ranked options (None before a date is typed)."""
    if params["evaluation_date"] is None:
        return {"options": None, "params": params, "specialties": []}
    specialties = list(db.session.scalars(select(Specialty).where(Specialty.id.in_(params["specialty_ids"]))
                                          .order_by(Specialty.code))) if params["specialty_ids"] else []
    options = seats.availability(section, params["evaluation_date"], params["start_time"],
                                 params["duration_minutes"], params["seats"], [s.code for s in specialties],
                                 params["scope"], candidates)
    return {"options": options, "params": params, "specialties": specialties}
