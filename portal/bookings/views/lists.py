"""The requests list (全部申请) and the guest inbox (客场待办): filters, sorting, paging; both poll themselves."""
from datetime import timedelta

from flask import request
from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ...auth.permissions import permission_required, scope_clause
from ...calendar.rules import parse_iso_date
from ...htmx import render, wants_fragment
from ...listing import paginate, sort_choice
from ...projects.models import Project, Section
from ...clock import china_today
from .. import bp
from ..models import SeatRequest, SeatRequestSpecialty
from ..services import changes, pool
from ..rules import Status

STATUS_FILTERS = {
    "": ("全部", None),
    "open": ("进行中", (Status.DRAFT, Status.SUBMITTED, Status.ACCEPTED, Status.PARTLY_ACCEPTED)),
    **{s.value: (s.label, (s,)) for s in Status},
}


@bp.route("/")
@permission_required("bookings.view")
def index():
    """Every request in the account's scope, the open ones by default."""
    return _list("all")


@bp.route("/inbox")
@permission_required("bookings.answer")
def inbox():
    """Requests to the account's center as the guest side, those waiting for an answer by default."""
    return _list("inbox")


def _filters(default_status: str) -> dict:
    filters = {"status": request.args.get("status", default_status),
               "q": request.args.get("q", "").strip()[:60],
               "start": parse_iso_date(request.args.get("start")),
               "end": parse_iso_date(request.args.get("end"))}
    if filters["status"] not in STATUS_FILTERS:
        filters["status"] = default_status
    return filters


def _filtered(permission: str, filters: dict):
    """The requests the account reaches for `permission` (the inbox: as the guest side), filtered."""
    stmt = (select(SeatRequest).where(scope_clause(permission, SeatRequest))
            .join(Section, SeatRequest.section_id == Section.id)
            .options(joinedload(SeatRequest.section).joinedload(Section.project),
                     joinedload(SeatRequest.main_center), joinedload(SeatRequest.guest_center),
                     selectinload(SeatRequest.specialty_links).joinedload(SeatRequestSpecialty.specialty)))
    statuses = STATUS_FILTERS[filters["status"]][1]
    if statuses:
        stmt = stmt.where(SeatRequest.status.in_(statuses))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.join(Project, Section.project_id == Project.id).where(or_(
            Section.name.ilike(like), Section.code.ilike(like), Project.name.ilike(like), Project.tenderee.ilike(like)))
    if filters["start"]:
        stmt = stmt.where(SeatRequest.evaluation_date >= filters["start"])
    if filters["end"]:
        stmt = stmt.where(SeatRequest.evaluation_date <= filters["end"])
    return stmt


def _list(box: str):
    """The list (box "all") and the inbox (box "inbox") share filters, sorting and polling."""
    filters = _filters("submitted" if box == "inbox" else "open")
    stmt = _filtered("bookings.answer" if box == "inbox" else "bookings.view", filters)
    # New (waiting for an answer) first, then the evaluations that come soonest.
    waiting_first = case((SeatRequest.status == Status.SUBMITTED, 0), else_=1)
    sort, desc, column = sort_choice({"date": SeatRequest.evaluation_date, "filed": SeatRequest.submitted_at,
                                      "updated": SeatRequest.updated_at}, "date")
    order = [column, SeatRequest.start_time, SeatRequest.id]
    if box == "inbox" and sort == "date" and not desc:
        order.insert(0, waiting_first)
    page = paginate(stmt.order_by(*order))
    today = china_today()
    # The guest side decides on the experts it will have to draw: the same counts as the filing page showed.
    experts = pool.for_requests(page.items) if box == "inbox" else {}
    waiting = (changes.waiting_for(scope_clause("bookings.answer", SeatRequest))
               if box == "inbox" and not wants_fragment() else [])
    return render("bookings/index.html", "bookings/_requests.html", page=page, filters=filters, box=box,
                  experts=experts, changes_waiting=waiting,
                  status_filters=STATUS_FILTERS, sort=sort, desc=desc, today=today, soon=today + timedelta(days=3))
