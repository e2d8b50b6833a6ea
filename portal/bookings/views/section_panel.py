"""The section page's guest-seat requests: a panel that bookings adds to projects' section page."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...auth.permissions import can, scope_clause
from ...extensions import db
from ...projects.panels import SectionView, section_panel
from ..models import SeatRequest


@section_panel(10)
def seat_requests(view: SectionView) -> str:
    """The requests of the section the viewer reaches, and the way to file one (the agent, the main venue)."""
    section = view.section
    requests = list(db.session.scalars(
        select(SeatRequest).where(SeatRequest.section_id == section.id, scope_clause("bookings.view", SeatRequest))
        .options(joinedload(SeatRequest.guest_center)).order_by(SeatRequest.id))) if can("bookings.view") else []
    may_request = can("bookings.request") and (view.owner or section.main_center_id == current_user.center_id)
    return render_template("bookings/_section_requests.html", section=section, seat_requests=requests,
                           may_request_seats=may_request)
