"""Print views of a venue's paper (the trading centers still sign and stamp it): the 专家签到表, the
劳务费发放表 and the 资料移交清单. Each is a page of its own, laid out for A4 (static/app.css, @media print),
with the signature lines the paper needs. The sign-in sheet and the fee sheet name the experts: only those who
may see that venue's names reach them (else 403, as for the board's names)."""
from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ...auth.permissions import permission_required
from ...extensions import db
from ...projects.models import Project, Section
from ...clock import china_now
from ...orgs.models import TradingCenter
from .. import access, bp, rules
from ..models import HandoverItem
from ..services import common as evaluation_common
from .common import load

SHEETS = {"signin": "专家签到表", "fees": "评标专家劳务费发放表", "handover": "评标资料移交清单"}


@bp.route("/<int:evaluation_id>/print/committee")
@permission_required("evaluation.view")
def print_committee(evaluation_id):
    """The committee list (评标委员会成员名单) of every venue, published with the winner: once the winner is
    determined, for the main venue's staff and the region's supervisors (403 before, and for anyone else)."""
    loaded = load(evaluation_id, "view")
    evaluation = loaded.evaluation
    if not access.may_print_committee(current_user, evaluation):
        abort(403)
    section = db.session.get(Section, evaluation.section_id)
    project = db.session.get(Project, section.project_id)
    members = [m for m in evaluation_common.members_of(evaluation) if m.status == "seated"]
    return render_template("evaluations/print_committee.html", title="评标委员会成员名单", evaluation=evaluation,
                           section=section, project=project, members=members, printed_at=china_now())


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/print/<kind>")
@permission_required("evaluation.view")
def print_sheet(evaluation_id, venue_id, kind):
    if kind not in SHEETS:
        abort(404)
    loaded = load(evaluation_id, "view", venue_id=venue_id)
    evaluation, venue = loaded.evaluation, loaded.venue
    if kind in ("signin", "fees") and not access.may_see_names(current_user, evaluation, venue.id):
        abort(403)
    if kind == "handover" and not (venue.id in access.acting_venue_ids(current_user, evaluation)
                                   or access.is_main_staff(current_user, evaluation)):
        abort(403)
    center = db.session.get(TradingCenter, venue.center_id)
    section = db.session.get(Section, evaluation.section_id)
    project = db.session.get(Project, section.project_id)
    members = [m for m in evaluation_common.members_of(evaluation) if m.venue_id == venue.id]
    items = (db.session.scalars(select(HandoverItem).where(HandoverItem.venue_id == venue.id)
                                .order_by(HandoverItem.handed_at, HandoverItem.id)).all()
             if kind == "handover" else [])
    return render_template(f"evaluations/print_{kind}.html", title=SHEETS[kind], evaluation=evaluation,
                           venue=venue, center=center, section=section, project=project, members=members, items=items,
                           handover_labels=rules.HANDOVER_LABELS, printed_at=china_now())
