"""Fixing the committee (评标委员会组成): the main venue's form, the section page's way in, and the
committee facts at the top of the evaluation page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...auth.permissions import can, get_scoped_or_404, permission_required, scope_clause
from ...bookings.models import SeatRequest
from ...bookings.services import pool
from ...errors import show_on_form
from ...experts.services import specialty_tree
from ...extensions import db
from ...models_base import valid_id
from ...projects.models import Section
from ...projects.panels import SectionView, section_panel
from .. import access, bp
from ..forms import NEED_ROWS, CommitteeForm, parse_needs
from ..models import Evaluation
from ..services import committee
from ..services import holds as _holds  # noqa: F401  registers the ended evaluation's hold on its section
from ..services.common import EvaluationError
from ...forms_base import ActionForm
from .common import Page, load, load_section, page_section, refused

FIELDS = ("committee_size", "tenderee_reps", "bidders", "supervising_department", "avoid_months")


def _initial_needs(evaluation, keys) -> dict:
    """The experts per venue the form starts with: as saved, or one row per seat request's first specialty."""
    needs = {}
    if evaluation is not None:
        by_request = {v.seat_request_id or "main": v for v in evaluation.venues}
        for key, _, req in keys:
            venue = by_request.get(req.id if req else "main")
            needs[key] = [(n.specialty_id, n.count) for n in venue.needs] if venue else []
        return needs
    for key, _, req in keys:
        if req is not None:
            specialties = [link.specialty_id for link in req.specialty_links][:1]
            needs[key] = [(specialties[0], req.seats_accepted or req.seats_requested)] if specialties else []
    return needs


def _form_context(section, evaluation, form, needs=None, need_errors=None) -> dict:
    requests = committee.holding_requests(section)
    keys = [("main", f"主场（{section.main_center.name}）", None)]
    keys += [(str(r.id), f"客场（{r.guest_center.name}）", r) for r in requests]
    return dict(section=section, project=section.project, evaluation=evaluation, form=form, venue_keys=keys,
                needs=_initial_needs(evaluation, keys) if needs is None else needs, need_errors=need_errors or {},
                rows=range(NEED_ROWS), specialties=specialty_tree(active_only=True),
                experts=pool.for_committee(section.main_center, section.project.tenderee, requests))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("evaluation.manage")
def new():
    """The main venue fixes the committee of a section with accepted guest seats (or changes it before drawing)."""
    section = load_section(request.args.get("section"))
    evaluation = committee.evaluation_of(section)
    if request.method == "GET":
        if evaluation is None and not committee.holding_requests(section):
            flash("该标段还没有已接受的客场机位申请：请先申请客场机位。", "error")
            return redirect(url_for("projects.section", section_id=section.id), 303)
        return render_template("evaluations/committee.html",
                               **_form_context(section, evaluation, CommitteeForm(obj=evaluation)))
    form = CommitteeForm()
    keys = ["main"] + [str(r.id) for r in committee.holding_requests(section)]
    needs, need_errors = parse_needs(request.form, keys, {s.id for s in specialty_tree(active_only=True)})
    if form.validate_on_submit() and not need_errors:
        data = {name: getattr(form, name).data for name in FIELDS}
        data["tenderee_reps"] = data["tenderee_reps"] or 0
        try:
            evaluation = committee.fix_committee(section, evaluation, data, needs)
        except EvaluationError as error:
            show_on_form(form, error)
            evaluation = committee.evaluation_of(section)
        else:
            db.session.commit()
            flash("评标委员会组成和抽取条件已保存。各场所可以抽取专家。", "success")
            return redirect(url_for("evaluations.show", evaluation_id=evaluation.id), 303)
    return render_template("evaluations/committee.html",
                           **_form_context(section, evaluation, form, needs, need_errors)), 422


@bp.route("/sections/<int:section_id>")
@permission_required("evaluation.view")
def for_section(section_id):
    """The section page's link: the section's evaluation; before it exists, the committee form for the main
    venue's staff, or back to the section with a message for everyone else."""
    evaluation_id = committee.evaluation_id_for(valid_id(section_id), scope_clause("evaluation.view", Evaluation))
    if evaluation_id is not None:
        return redirect(url_for("evaluations.show", evaluation_id=evaluation_id))
    section = get_scoped_or_404("projects.view", Section, section_id, options=committee.section_options())
    if can("evaluation.manage") and access.may_fix_committee(current_user, section.main_center_id,
                                                             section.project.host_center_id):
        return redirect(url_for("evaluations.new", section=section.id))
    flash("该标段尚未确定评标委员会组成：主场确定后，可在此查看评标当日的专家抽取、签到与事后办理。", "info")
    return redirect(url_for("projects.section", section_id=section.id))


@section_panel(20)
def evaluation_link(view: SectionView) -> str | None:
    """The section page's way into its evaluation day, once guest seats the viewer sees were accepted."""
    if not (can("evaluation.view") and can("bookings.view")):
        return None
    if not committee.has_guest_seats(view.section.id, scope_clause("bookings.view", SeatRequest)):
        return None
    return render_template("evaluations/_section_link.html", section=view.section)


@bp.route("/<int:evaluation_id>/venues/<int:venue_id>/move-to-main", methods=["POST"])
@permission_required("evaluation.manage")
def move_to_main(evaluation_id, venue_id):
    """A guest venue cannot draw: the main venue draws its experts instead (its seat request is cancelled)."""
    loaded = load(evaluation_id, "manage", venue_id=venue_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        moved = committee.move_to_main(loaded.evaluation, loaded.venue)
    except EvaluationError as error:
        return refused(evaluation_id, error)
    db.session.commit()
    flash(f"已将 {moved} 名专家改由主场抽取，原客场机位申请已取消，请主场抽取专家。"
          "如需另选客场，请为本标段向其他交易中心提交新的客场机位申请（同样须在评标日前 3 个工作日提交），"
          "接受后可在“评标委员会组成”中把专家分给新的客场。", "success")
    return redirect(url_for("evaluations.show", evaluation_id=evaluation_id) + "#committee", 303)


@page_section
def committee_section(p: Page) -> dict:
    """The committee facts at the top of the page: changed by the main venue until every venue has drawn
    (each venue's part until that venue drew); a guest venue not yet drawn can be moved to the main venue."""
    drawn = {d.venue_id for d in p.draws}
    open_ = p.main_staff and not p.evaluation.ended
    movable = [v for v in p.guests if v.id not in drawn and v.center.region_id is not None] if open_ else []
    return {"may_change_committee": open_ and any(v.id not in drawn for v in p.evaluation.venues),
            "movable": movable, "drawn_venues": drawn}
