"""The list of evaluations and the evaluation page (its sections are built by the sub-area modules)."""
from flask import request
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ...auth.permissions import can, permission_required, scope_clause
from ...calendar.rules import parse_iso_date
from ...htmx import render
from ...listing import paginate, sort_choice
from ...projects.models import Section
from ...clock import china_today
from .. import access, bp
from ..models import Evaluation
from ..services import committee
from .common import load, page


@bp.route("/")
@permission_required("evaluation.view")
def index():
    """The evaluations in scope, filtered and sorted; center staff also see sections waiting for a committee."""
    filters = {"q": request.args.get("q", "").strip()[:60], "start": parse_iso_date(request.args.get("start")),
               "end": parse_iso_date(request.args.get("end")), "state": request.args.get("state", "")}
    stmt = (select(Evaluation).where(scope_clause("evaluation.view", Evaluation))
            .join(Section, Evaluation.section_id == Section.id)
            .options(joinedload(Evaluation.section).joinedload(Section.project), joinedload(Evaluation.main_center)))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Section.name.ilike(like), Section.code.ilike(like)))
    if filters["start"]:
        stmt = stmt.where(Evaluation.evaluation_date >= filters["start"])
    if filters["end"]:
        stmt = stmt.where(Evaluation.evaluation_date <= filters["end"])
    if filters["state"] == "open":
        stmt = stmt.where(Evaluation.ended_at.is_(None))
    elif filters["state"] == "ended":
        stmt = stmt.where(Evaluation.ended_at.is_not(None))
    sort, desc, column = sort_choice({"date": Evaluation.evaluation_date, "updated": Evaluation.updated_at}, "date")
    result = paginate(stmt.order_by(column, Evaluation.id))
    ready = committee.ready_sections(access.committee_center(current_user)) if can("evaluation.manage") else []
    return render("evaluations/index.html", "evaluations/_list.html", page=result, filters=filters, sort=sort,
                  desc=desc, ready=ready, today=china_today())


@bp.route("/<int:evaluation_id>")
@permission_required("evaluation.view")
def show(evaluation_id):
    """The evaluation page: committee, board, draws, duties, incidents, clues, hand-over and fees."""
    return page(load(evaluation_id).evaluation)
